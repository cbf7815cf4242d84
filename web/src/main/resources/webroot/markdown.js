// Answers as safe Markdown (after vendor/marked and vendor/dompurify): marked turns the text into HTML with any raw
// HTML in it escaped, so the model's "<b>" shows as text; DOMPurify then keeps only the tags of Markdown, and links
// open in a new tab with rel="noopener noreferrer". Images are not among them: a picture from anywhere would tell
// its server who reads the answer (and the page's Content-Security-Policy blocks them anyway).
'use strict';

const MARKDOWN_TAGS = ['p', 'br', 'strong', 'em', 'del', 'code', 'pre', 'ul', 'ol', 'li', 'a', 'blockquote',
  'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'hr'];

function escapeHtml(text) {
  return text.replace(/[&<>"']/g, (c) => '&#' + c.charCodeAt(0) + ';');
}

const markdownParser = new marked.Marked({ gfm: true, breaks: true, renderer: { html: (token) => escapeHtml(token.text) } });

DOMPurify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'A') {
    node.setAttribute('target', '_blank');
    node.setAttribute('rel', 'noopener noreferrer');
  }
});

/** Shows Markdown {@code text} in {@code node} (replacing what was there), sanitized. */
function showMarkdown(node, text) {
  node.innerHTML = DOMPurify.sanitize(markdownParser.parse(text || ''), {
    ALLOWED_TAGS: MARKDOWN_TAGS,
    ALLOWED_ATTR: ['href', 'title', 'start', 'align'],
  });
}
