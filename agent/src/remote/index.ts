// `@liveprobe/agent/attach`: the sidecar behind `liveprobe attach`.
export { attach, type AttachOptions, type Attachment } from './attach.js';
export { AttachError } from './attach-error.js';
