import { notYetAvailable } from '../not-yet-available.js';

export const replicatedStrategy = notYetAvailable('replicated');
