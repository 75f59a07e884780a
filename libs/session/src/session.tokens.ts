import { Inject } from '@nestjs/common';
import { MODULE_OPTIONS_TOKEN } from './session.module-definition.js';

/** Token of the validated options (`ResolvedSessionOptions`). */
export const SESSION_OPTIONS = Symbol('SESSION_OPTIONS');
/** Token of the active `SessionStrategy`. */
export const SESSION_STRATEGY = Symbol('SESSION_STRATEGY');

/** The token of the options as given to `forRoot()`/`forRootAsync()`. */
export const getSessionModuleOptionsToken = () => MODULE_OPTIONS_TOKEN;
/** Injects the validated options, with every default applied. */
export const InjectSessionOptions = () => Inject(SESSION_OPTIONS);
