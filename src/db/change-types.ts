export const changeTypes = ['event.published', 'event.updated', 'event.watch_flag_raised', 'event.watch_flag_lifted'] as const;

export type ChangeType = (typeof changeTypes)[number];
