import { X } from '@ossa/contracts';
console.log(X);
