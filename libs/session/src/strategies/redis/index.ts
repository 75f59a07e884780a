import { notYetAvailable } from '../not-yet-available.js';

export const redisStrategy = notYetAvailable('redis');
