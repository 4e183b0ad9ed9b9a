// ts-jest runs the same @nestjs/swagger compiler plugin as `nest build` (options from nest-cli.json),
// so the OpenAPI document the tests check is the one the built app serves.
const { before } = require('@nestjs/swagger/plugin');
const nestCli = require('../../nest-cli.json');

const plugin = nestCli.compilerOptions.plugins.find((p) => p.name === '@nestjs/swagger');

module.exports = {
  name: 'nestjs-swagger-transformer',
  // bump when the options change: ts-jest caches transformed files by this
  version: 1,
  factory: (compiler) => before(plugin.options, compiler.program),
};
