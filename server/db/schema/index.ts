// One schema, split by feature area; drizzle-kit and the app read it through this index.
export * from './core';
export * from './scorm';
export * from './launches';
export * from './outbox';
export * from './questions';
export * from './training';
export * from './mail';
export * from './activation';
