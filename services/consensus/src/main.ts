import { runMain } from '@ossa/runtime';
import { consensusService } from './definition';

void runMain([consensusService]);
