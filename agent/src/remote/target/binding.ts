/** The page-global function (Runtime.addBinding) through which the injected hook reports to the sidecar. */
export const HOOK_BINDING = '__liveprobe_send';
