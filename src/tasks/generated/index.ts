/**
 * The generated-task rules in one import (D29, D30, D32): shared types and keys
 * (`rules.ts`), then one module per kind of activity. All pure.
 */
export * from './rules.js';
export * from './calls.js';
export * from './emails.js';
export * from './sms.js';
export * from './opportunities.js';
