import type { ArgumentMetadata } from '@nestjs/common';
import { IsString, Matches } from 'class-validator';
import { InvalidArgument } from '../errors/domain-errors.js';
import { bodyValidationPipe } from './validation.pipe.js';

class ExampleDto {
  @IsString()
  @Matches(/^[a-z]{1,8}$/, { message: 'must be 1-8 lowercase letters' })
  name!: string;
}

const metadata: ArgumentMetadata = { type: 'body', metatype: ExampleDto };

describe(bodyValidationPipe.name, () => {
  const sut = bodyValidationPipe();

  it('accepts a valid body', async () => {
    await expect(sut.transform({ name: 'abc' }, metadata)).resolves.toBeInstanceOf(ExampleDto);
  });

  it('names the field and the reason', async () => {
    await expect(sut.transform({ name: 'ABC' }, metadata)).rejects.toThrow(
      new InvalidArgument('name', 'must be 1-8 lowercase letters'),
    );
  });

  it.each(['(', '[a-', '.*+?', '(a+)+$', '\\', 'a b'])(
    'refuses the unknown key %j as a field, not as a pattern',
    async (key) => {
      const rejection = sut.transform({ name: 'abc', [key]: 1 }, metadata);
      await expect(rejection).rejects.toBeInstanceOf(InvalidArgument);
      await expect(rejection).rejects.toThrow(`${key}: is not an accepted field`);
    },
  );

  it('quotes a made-up key of 5,000 characters in 64', async () => {
    const key = 'k'.repeat(5_000);
    const rejection = sut.transform({ name: 'abc', [key]: 1 }, metadata);
    await expect(rejection).rejects.toThrow(`${'k'.repeat(64)}…: is not an accepted field`);
  });
});
