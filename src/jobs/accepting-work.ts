/** False once the process drains: jobs finish what they hold and claim nothing new. */
export const acceptingWork = (deps: { isAcceptingWork?: (() => boolean) | undefined }): boolean => deps.isAcceptingWork?.() ?? true;
