/**
 * PLACEHOLDERS. Request schemas of contract routes that are still being built, written from the
 * contract's text so the OpenAPI document lists every route now. Their operations are marked
 * `x-placeholder: true` in the document. When a route lands, export the zod schema it validates
 * with and point its registry entry at that instead of the one here. (None at the moment.)
 */
export {};
