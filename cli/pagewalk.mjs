#!/usr/bin/env node
// The `pagewalk` bin: runs the TypeScript CLI through tsx's loader, so there is no build step.
import { register } from 'tsx/esm/api';

register();
await import('./pagewalk.ts');
