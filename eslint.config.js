// Flat ESLint config: typescript-eslint's type-checked rules on every TypeScript source, using
// the project service so each file is checked with its own package's tsconfig.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      'services/dashboard/dist/**',
      '**/*.config.*',
      'coverage/**',
      'test-artifacts/**',
      '.ci/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      // Fire-and-forget is explicit in this codebase: `void promise`.
      '@typescript-eslint/no-floating-promises': ['error', { ignoreVoid: true }],
      // Factories return objects of closures (house style), which never use `this`, so passing
      // `handle.close` around is safe; the rule only fits class-based code.
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    // Plain JS/MJS scripts are not in any tsconfig: lint them without type information.
    files: ['**/*.{js,mjs,cjs}'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['services/dashboard/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
  },
);
