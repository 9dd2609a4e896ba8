import { runMain } from '@ossa/runtime';
import { conflictService } from './definition';

void runMain([conflictService]);
