import { ArrayMaxSize, IsArray, IsIn, IsOptional, IsString, Matches } from 'class-validator';
import { MAX_IDS_PER_EVENT } from '../replicator/sync-event.js';
import { RULES_KINDS, type RulesKind } from '../rules/rules.types.js';

/** `POST /admin/cache/flush`: everything, one kind, or a list of channels (of one kind or both). */
export class CacheFlushRequest {
  @IsOptional()
  @IsIn(RULES_KINDS, { message: `must be one of ${RULES_KINDS.join(', ')}` })
  kind?: RulesKind;

  @IsOptional()
  @IsArray({ message: 'must be an array of enrollment channel ids' })
  @ArrayMaxSize(MAX_IDS_PER_EVENT, { message: `must hold at most ${MAX_IDS_PER_EVENT} ids` })
  @IsString({ each: true, message: 'must hold only strings' })
  @Matches(/^[A-Za-z0-9_.:-]{1,64}$/, {
    each: true,
    message: 'must hold ids of 1-64 characters of [A-Za-z0-9_.:-]',
  })
  enrollmentChannelIds?: string[];
}
