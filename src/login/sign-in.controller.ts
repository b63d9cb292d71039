import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { InternalAuth } from '../platform/auth/bearer-token.guard.js';
import { SignInDto } from './dto/sign-in.dto.js';
import { SignInService } from './sign-in.service.js';

@Controller('v0/sign-ins')
@InternalAuth()
export class SignInController {
  constructor(private readonly signIns: SignInService) {}

  /** 201 `{sessionId, expiresAt}`; the session id is the Bearer token of health-record reads. */
  @Post()
  @HttpCode(201)
  signIn(@Body() body: SignInDto) {
    return this.signIns.signIn(body);
  }
}
