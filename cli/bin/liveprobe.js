#!/usr/bin/env node
// Committed so npm can link the command before the build has produced dist/.
import '../dist/main.js';
