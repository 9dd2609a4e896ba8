import { runMain } from '@ossa/runtime';
import { registryService } from './definition';

void runMain([registryService]);
