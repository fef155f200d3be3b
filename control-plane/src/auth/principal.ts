import type { Principal } from '@liveprobe/protocol';

export type { Principal };

export const ANONYMOUS: Principal = { kind: 'anonymous', id: 'anonymous', name: 'anonymous (authentication is off)', role: 'admin' };
