import { type ValidationError, ValidationPipe } from '@nestjs/common';
import { InvalidArgument } from '../errors/domain-errors.js';

/** The first failing field, with its path (`enrollmentChannelIds[3]`) and the reason. */
function firstProblem(errors: ValidationError[], parent = ''): { field: string; reason: string } {
  for (const error of errors) {
    const field = parent
      ? /^\d+$/.test(error.property)
        ? `${parent}[${error.property}]`
        : `${parent}.${error.property}`
      : error.property;
    const reason = Object.values(error.constraints ?? {})[0];
    if (reason) return { field, reason: reason.replace(new RegExp(`^${error.property} `), '') };
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
