import type { ChatRequest, Tool } from '../../core/chat-request';
import { GatewayErrors } from '../../core/errors';
import type { AnthropicTool, AnthropicToolChoice } from './anthropic-api-types';

export interface PreparedTools {
  tools?: AnthropicTool[];
  tool_choice?: AnthropicToolChoice;
  /** Name of the tool standing in for `response_format: json_schema`; its input is the answer text. */
  responseToolName?: string;
}

/**
 * OpenAI tools / tool_choice / parallel_tool_calls / response_format(json_schema) → Anthropic.
 * - tool_choice none → {type:'none'}, auto → auto, required → any, {function:{name}} → {type:'tool',name};
 * - parallel_tool_calls:false → disable_parallel_tool_use:true (not on `none`);
 * - tool_choice without tools is dropped (nothing to choose from).
 *
 * json_schema: the Messages API has no portable structured-output switch, so we use the common forced-tool
 * technique: a tool named after the schema whose `input_schema` is the schema. With no client tools (or
 * tool_choice none) that tool is forced ({type:'tool'}); with client tools the model must call *some* tool
 * ({type:'any'}) — a client tool, or ours to answer. The chat model turns our tool's input into the message
 * text with finish reason `stop`.
 */
export function prepareAnthropicTools(req: ChatRequest): PreparedTools {
  const userTools = (req.tools ?? []).map(convertTool);
  const parallel = req.parallel_tool_calls === false ? { disable_parallel_tool_use: true } : {};
  const choice = req.tool_choice;
  const rf = req.response_format;

  if (rf?.type === 'json_schema') {
    const name = toolName(rf.json_schema.name);
    if (userTools.some((t) => t.name === name)) {
      throw GatewayErrors.invalidRequest(
        `response_format.json_schema.name '${name}' collides with a tool of the same name`,
        'response_format.json_schema.name',
      );
    }
    const responseTool: AnthropicTool = {
      name,
      description: rf.json_schema.description ?? 'Respond to the user by calling this tool with a JSON object that matches its schema.',
      input_schema: objectSchema(rf.json_schema.schema, 'response_format.json_schema.schema'),
    };
    let toolChoice: AnthropicToolChoice;
    if (userTools.length === 0 || choice === 'none') toolChoice = { type: 'tool', name };
    else if (typeof choice === 'object') toolChoice = { type: 'tool', name: choice.function.name, ...parallel };
    else toolChoice = { type: 'any', ...parallel };
    return { tools: [...userTools, responseTool], tool_choice: toolChoice, responseToolName: name };
  }

  if (userTools.length === 0) return {};
  let toolChoice: AnthropicToolChoice | undefined;
  if (choice === 'none') toolChoice = { type: 'none' };
  else if (choice === 'required') toolChoice = { type: 'any', ...parallel };
  else if (typeof choice === 'object') toolChoice = { type: 'tool', name: choice.function.name, ...parallel };
  else if (choice === 'auto' || req.parallel_tool_calls === false) toolChoice = { type: 'auto', ...parallel };
  return { tools: userTools, ...(toolChoice ? { tool_choice: toolChoice } : {}) };
}

function convertTool(tool: Tool, i: number): AnthropicTool {
  const fn = tool.function;
  return {
    name: fn.name,
    ...(fn.description !== undefined ? { description: fn.description } : {}),
    input_schema: objectSchema(fn.parameters, `tools[${i}].function.parameters`),
  };
}

/** Anthropic's input_schema must be an object schema; OpenAI allows omitting parameters altogether. */
function objectSchema(schema: Record<string, unknown> | undefined, param: string): Record<string, unknown> {
  if (schema === undefined) return { type: 'object', properties: {} };
  if (schema.type === undefined) return { type: 'object', ...schema };
  if (schema.type !== 'object') throw GatewayErrors.invalidRequest('Anthropic needs an object schema (type: "object")', param);
  return schema;
}

/** Schema names allow more characters than tool names: keep the tool-name alphabet, at most 64 chars. */
function toolName(name: string): string {
  return name.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 64);
}
