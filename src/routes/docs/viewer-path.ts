// Written by scripts/docs-assets.ts --write: the hashed path of the installed @scalar/api-reference browser build.
export const DOCS_VIEWER_PATH = '/docs/assets/scalar-api-reference-1.76.0-dcb027152bf20bf2.js';
