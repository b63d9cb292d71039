import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsEmail,
  IsISO8601,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
} from 'class-validator';

/** Facility ids arrive as strings ("983", "984GC") or, from some callers, as plain numbers. */
const numbersToStrings = ({ value }: { value: unknown }) =>
  Array.isArray(value)
    ? value.map((v) => (typeof v === 'number' && Number.isInteger(v) ? String(v) : v))
    : value;

/** POST /v0/sign-ins: a completed sign-in, as the sign-in flow reports it (DESIGN.md). */
export class SignInDto {
  @IsString()
  @Matches(/^[A-Za-z0-9-]{1,64}$/, { message: 'must be 1-64 characters of [A-Za-z0-9-]' })
  userUuid!: string;

  @IsString()
  @Matches(/^\d{10}V\d{6}$/, { message: 'must be an ICN: 10 digits, V, 6 digits' })
  icn!: string;

  @IsOptional()
  @IsString()
  @MaxLength(254)
  @IsEmail({}, { message: 'must be an email address' })
  email?: string;

  @IsString()
  @Matches(/^[A-Za-z0-9_-]{1,64}$/, { message: 'must be 1-64 characters of [A-Za-z0-9_-]' })
  clientId!: string;

  @Transform(numbersToStrings)
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true, message: 'must hold facility ids as strings' })
  @Matches(/^[A-Za-z0-9]{1,16}$/, { each: true, message: 'must hold facility ids of 1-16 letters or digits' })
  vaTreatmentFacilityIds!: string[];

  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'must be an ISO-8601 timestamp' })
  signedInAt?: string;
}
