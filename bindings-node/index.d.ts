// Types of the CommonJS entry point (generated into lib/ from ts/ by `npm run build`).
export * from './lib/index';
