import { type ValidationError, ValidationPipe } from '@nestjs/common';
import { InvalidArgument } from '../errors/domain-errors.js';

/**
 * Why a field failed. A field the DTO does not know is named as the caller sent it, so its name
 * is never part of a pattern or repeated in the reason (a key such as `(` or `.*+?` once turned
 * into an invalid regular expression and a 500).
 */
function reasonOf(error: ValidationError): string | undefined {
  const constraints = error.constraints ?? {};
  if (constraints.whitelistValidation) return 'is not an accepted field';
  const reason = Object.values(constraints)[0];
  if (reason === undefined) return undefined;
  // class-validator's default messages start with the property's name, which the field names already.
  return reason.startsWith(`${error.property} `) ? reason.slice(error.property.length + 1) : reason;
}

/** The first failing field, with its path (`enrollmentChannelIds[3]`) and the reason. */
function firstProblem(errors: ValidationError[], parent = ''): { field: string; reason: string } {
  for (const error of errors) {
    const field = parent
      ? /^\d+$/.test(error.property)
        ? `${parent}[${error.property}]`
        : `${parent}.${error.property}`
      : error.property;
    const reason = reasonOf(error);
    if (reason) return { field, reason };
    if (error.children?.length) return firstProblem(error.children, field);
  }
  return { field: parent || 'body', reason: 'is invalid' };
}

/**
 * Validates every HTTP body against its DTO: unknown fields are refused, and the 400 names the
 * field (`InvalidArgument`), so the caller knows what to fix and nothing is half-applied.
 */
export function bodyValidationPipe() {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: true,
    exceptionFactory: (errors) => {
      const { field, reason } = firstProblem(errors);
      return new InvalidArgument(field, reason);
    },
  });
}
