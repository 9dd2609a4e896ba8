// `npm start`: all six services in one process, each with its own NATS connection, queue groups and HTTP port.
import { runMain } from '@ossa/runtime';
import { ALL_SERVICES } from './all';

void runMain(ALL_SERVICES);
