/** The `template` built-in: renders `template` against the pipeline data; answers the text. */
import { ApplicationFailure } from '@temporalio/common';
import { renderTemplate } from '../../pipelines/definition/templates';
import type { PipelineFunction } from './function-types';

export const templateFunction: PipelineFunction = {
  name: 'template',
  description: 'Renders `template` ({variable} placeholders) against the pipeline data.',
  rawKeys: ['template'],
  run(input, ctx) {
    if (typeof input.template !== 'string') throw ApplicationFailure.nonRetryable('template: `template` (a string) is required', 'InvalidRequest');
    return renderTemplate(input.template, ctx.data).text;
  },
};
