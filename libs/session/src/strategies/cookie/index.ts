import { notYetAvailable } from '../not-yet-available.js';

export const cookieStrategy = notYetAvailable('cookie');
