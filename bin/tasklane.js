#!/usr/bin/env node
// The `tasklane` command. Tasklane runs its TypeScript sources through tsx's loader,
// so there is no build step between a clone and a working command.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
