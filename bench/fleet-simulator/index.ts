// The fleet simulator as a library: simulated agents for tests and benchmarks.
export { startFleet, agentIdOf, type Fleet, type FleetOptions } from './fleet.js';
export { startFleetProcesses, type FleetProcesses, type FleetProcessesOptions } from './fleet-processes.js';
export { SimulatedAgent, type AgentNotice, type SimulatedAgentOptions } from './simulated-agent.js';
