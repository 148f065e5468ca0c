// ESLint rule `peertree/limits-in-one-place`: a module-level constant named like a limit (MAX_…, …_MS,
// …_LIMIT, …_TIMEOUT) whose value is a number is declared in core/limits.ts, where every limit has one value
// and validateLimits() checks them together at start-up. Byte layouts (…_BYTES of a signed structure) are
// formats, not limits, and are not matched.
const LIMIT_NAME = /^(MAX_[A-Z0-9_]+|[A-Z0-9_]+_(MS|LIMIT|TIMEOUT))$/;

/** Whether an expression is plain arithmetic over numbers and other constants (not a call or an object). */
function isNumeric(node) {
  if (!node) return false;
  if (node.type === 'Literal') return typeof node.value === 'number';
  if (node.type === 'Identifier') return true;
  if (node.type === 'MemberExpression') return true;
  if (node.type === 'UnaryExpression') return isNumeric(node.argument);
  if (node.type === 'BinaryExpression') return isNumeric(node.left) && isNumeric(node.right);
  return false;
}

export const limitsInOnePlace = {
  meta: {
    type: 'problem',
    docs: { description: 'limits are named constants in core/limits.ts' },
    messages: {
      move: '{{name}} looks like a limit: declare it in core/limits.ts (one value, validated at start-up) and import it',
    },
    schema: [],
  },
  create(context) {
    return {
      'Program > VariableDeclaration > VariableDeclarator, Program > ExportNamedDeclaration > VariableDeclaration > VariableDeclarator'(
        node,
      ) {
        if (node.parent.kind !== 'const' || node.id.type !== 'Identifier') return;
        if (!LIMIT_NAME.test(node.id.name) || !isNumeric(node.init)) return;
        context.report({ node: node.id, messageId: 'move', data: { name: node.id.name } });
      },
    };
  },
};

export const peertreePlugin = { rules: { 'limits-in-one-place': limitsInOnePlace } };
