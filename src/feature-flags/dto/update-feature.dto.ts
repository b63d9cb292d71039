import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsNumber,
  IsOptional,
  IsString,
  Length,
  Max,
  Min,
} from 'class-validator';

/**
 * PUT /admin/features/{name}. Each field given sets that gate, with Flipper's semantics:
 * `boolean: true` turns the feature fully on (and clears the other gates, as Flipper's
 * `enable` does), `boolean: false` turns it fully off (clearing every gate, as `disable`),
 * `percentageOfActors` sets the rollout percentage, `actors` replaces the actor list.
 * Gates are applied in that order.
 */
export class UpdateFeatureDto {
  @IsOptional() @IsBoolean() boolean?: boolean;

  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false, maxDecimalPlaces: 3 })
  @Min(0)
  @Max(100)
  percentageOfActors?: number;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10_000)
  @IsString({ each: true })
  @Length(1, 254, { each: true })
  actors?: string[];
}
