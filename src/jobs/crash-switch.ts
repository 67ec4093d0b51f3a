// A fault switch for crash tests only: CAM_ROTATOR_CRASH_AFTER=<step> makes the worker process kill itself with
// SIGKILL right after that step completes, so tests can prove a restart converges (P7) at every step boundary.
export const CRASH_ENV = "CAM_ROTATOR_CRASH_AFTER";

export function crashIfAsked(step: string, env: NodeJS.ProcessEnv = process.env): void {
  if (env[CRASH_ENV] === step) process.kill(process.pid, "SIGKILL");
}
