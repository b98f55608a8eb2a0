// The one-time-code field: digits on phone keyboards, filled by the OS from an SMS or email
// where it can, and paste-friendly ("123 456" and "123-456" are fine; the app strips them).
import { h } from './dom.js';

export function codeInput(id = 'code') {
  return h('input', {
    id, name: 'code', type: 'text', inputmode: 'numeric', autocomplete: 'one-time-code',
    pattern: '[0-9 \\-]*', maxlength: '12', spellcheck: 'false', autocapitalize: 'off',
    class: 'code', autofocus: true, required: true,
  });
}
