import { runMain } from '@ossa/runtime';
import { decisionService } from './definition';

void runMain([decisionService]);
