import { runMain } from '@ossa/runtime';
import { transportHealthService } from './definition';

void runMain([transportHealthService]);
