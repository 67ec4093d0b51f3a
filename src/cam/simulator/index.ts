// The CAM simulator's public surface.
export { startCamSimulator, type CamSimulatorOptions, type RunningCamSimulator } from "./server.js";
export { CamSimulator, CAM_VERSION, type Reply, type SimulatorSettings, type SimulatorSnapshot } from "./simulator.js";
export { loadSeedFile, parseSeed, SeedError, type Seed, type SeedInput } from "./seed.js";
export { InputError, type Problem } from "./issues.js";
export type { FaultSpec, FaultSpecInput } from "./faults.js";
export type { ForeignKeyInput } from "./control-inputs.js";
export type { ActionCounters, LoggedRequest } from "./request-log.js";
export type { KeyView, StateView } from "./state.js";
export type { AnswerSwitches, AnswerSwitchesInput } from "./answer-switches.js";
