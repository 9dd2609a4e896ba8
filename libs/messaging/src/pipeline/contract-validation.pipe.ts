import { Injectable, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';
import { validateDto } from '@ossa/contracts';
import { MalformedPayload } from '../transport/malformed-payload';

const PLAIN = new Set<unknown>([Object, Array, String, Number, Boolean, undefined]);

/**
 * The global pipe: a `@Payload()` typed with a contract DTO is validated against it (whitelist, unknown fields
 * refused, every bad field named, VALIDATION_FAILED); a body the transport could not decode is refused here
 * too, so every refusal goes through the same filter and is counted like any other request.
 */
@Injectable()
export class ContractValidationPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (value instanceof MalformedPayload) throw value.error;
    if (metadata.type !== 'body' || PLAIN.has(metadata.metatype) || value instanceof Uint8Array) return value;
    return validateDto(metadata.metatype as new () => object, value as Record<string, unknown>);
  }
}
