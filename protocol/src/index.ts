export * from './action.js';
export * from './agent.js';
export * from './captured-value.js';
export * from './snapshot.js';
export * from './topics.js';
export * from './names.js';
export * from './duration.js';
export * from './expression/index.js';
