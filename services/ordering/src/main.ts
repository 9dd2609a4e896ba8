import { runMain } from '@ossa/runtime';
import { orderingService } from './definition';

void runMain([orderingService]);
