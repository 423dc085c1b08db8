/**
 * One sub-agent: its LLM <-> tool loop as a child workflow. Each turn is an
 * activity on its model's inference queue; tool calls are activities on the
 * swarm queue. The conversation lives in the blob store; history carries its
 * reference. Budget comes as a lease from the root, topped up by signal.
 */
import * as wf from '@temporalio/workflow';
import type { Json } from '../dsl/ir';
import type { AgentTurnResult, ToolCallResult, ToolResultRef } from '../activities/contracts';
import { callActivity, retryPolicy } from './retry';
import { FAIR_BUDGET_PATCH, tokenEstimate } from './budget';
import { errorMessage, leaseGrantSignal, leaseRequestSignal } from './swarm';
import { SWARM_TASK_QUEUE, inferenceTaskQueue, type AgentResult, type AgentWorkflowInput, type Usage } from './types';

const AGENT_EVENT_THRESHOLD = 2000;

export async function agentWorkflow(input: AgentWorkflowInput): Promise<AgentResult> {
  const agent = input.ir.agents[input.agentName];
  if (!agent) throw wf.ApplicationFailure.nonRetryable(`agent "${input.agentName}" is missing from the child's IR`, 'Bug');
  const model = input.ir.models[agent.model];
  if (!model) throw wf.ApplicationFailure.nonRetryable(`model "${agent.model}" of agent "${input.agentName}" is missing`, 'Bug');
  const c = input.carried;
  let conversation: string | null = c?.conversation ?? null;
  let turn = c?.turn ?? 0;
  const usage: Usage = c?.usage ?? { steps: 0, tokens: 0 };
  const lease: Usage = c?.lease ?? { ...input.lease };
  let repaired = c?.repaired ?? false;
  const transcripts: string[] = c?.transcripts ?? [];
  let lastPromptTokens = 0;
  let pendingResults: ToolResultRef[] | undefined = c?.pendingResults;
  let repair: string[] | undefined = c?.repair;

  let grant: Usage | null = null;
  wf.setHandler(leaseGrantSignal, (g) => {
    grant = g;
  });

  /** Makes sure the lease covers `want`; asks the root for more when it does not. */
  const ensure = async (want: Usage): Promise<boolean> => {
    if (lease.steps >= want.steps && lease.tokens >= want.tokens) return true;
    grant = null;
    const ask = { steps: Math.max(want.steps, 8), tokens: Math.max(want.tokens * 4, want.tokens) };
    const from = wf.workflowInfo().workflowId;
    if (wf.patched(FAIR_BUDGET_PATCH)) {
      // Give the rest back while asking: an agent waiting for budget then holds none that others could use.
      // It asks for at least as much as it gives back, so a top-up for tool calls does not cost it its tokens.
      const returned = { ...lease };
      lease.steps = 0;
      lease.tokens = 0;
      const more = { steps: Math.max(ask.steps, returned.steps), tokens: Math.max(ask.tokens, returned.tokens) };
      await wf.getExternalWorkflowHandle(input.rootWorkflowId).signal(leaseRequestSignal, { from, want: more, need: want, returned });
    } else await wf.getExternalWorkflowHandle(input.rootWorkflowId).signal(leaseRequestSignal, { from, want: ask });
    await wf.condition(() => grant !== null);
    const g = grant as Usage | null;
    if (g) {
      lease.steps += g.steps;
      lease.tokens += g.tokens;
    }
    return lease.steps >= want.steps && lease.tokens >= want.tokens;
  };
  const spend = (u: Usage): void => {
    usage.steps += u.steps;
    usage.tokens += u.tokens;
    lease.steps = Math.max(0, lease.steps - u.steps);
    lease.tokens = Math.max(0, lease.tokens - u.tokens);
  };
  const done = (status: AgentResult['status'], output: Json, error: string | null): AgentResult => ({
    status,
    output,
    error,
    usage,
    unused: lease,
    turns: turn,
    transcript: conversation,
  });

  const ctx = { runId: input.runId, stepId: input.stepId, idempotencyKey: `${input.idempotencyKey}#t${turn}` };
  const turnOptions: wf.ActivityOptions = {
    taskQueue: inferenceTaskQueue(model.pool),
    startToCloseTimeout: 600_000,
    heartbeatTimeout: input.heartbeatTimeoutMs,
    retry: retryPolicy(input.retry),
  };
  // Infrastructure failures are retried until the run's deadline (or, for a child of an older root, the step's timeout or a day).
  const retryUntil = input.deadlineAt ?? wf.workflowInfo().startTime.getTime() + (input.timeoutMs ?? 86_400_000);

  for (;;) {
    const info = wf.workflowInfo();
    // Safe point: no activity in flight; what the next turn needs is carried.
    if (turn > 0 && (info.continueAsNewSuggested || info.historyLength >= AGENT_EVENT_THRESHOLD)) {
      return wf.continueAsNew<typeof agentWorkflow>({ ...input, carried: { conversation, turn, usage, lease, repaired, transcripts, pendingResults, repair } });
    }
    const mustAnswer = turn >= agent.maxTurns - 1;
    const want = { steps: 1, tokens: tokenEstimate(model.maxTokens, lastPromptTokens) };
    if (!(await ensure(want))) return done('budget_exhausted', null, 'the run budget is used up');
    const summary = `${input.agentName} turn ${turn + 1}`;
    const r: AgentTurnResult = await callActivity(
      'agentTurn',
      [
        {
          ctx: { ...ctx, idempotencyKey: `${input.idempotencyKey}#t${turn}` },
          agentWorkflowId: info.workflowId,
          agentName: input.agentName,
          model,
          start: turn === 0 && !conversation ? { instructions: agent.instructions, skills: input.skills.map((s) => ({ name: s.name, version: s.version, instructions: s.instructions })), prompt: input.prompt, scope: input.scope } : undefined,
          conversation: conversation ?? undefined,
          toolResults: pendingResults,
          repair,
          tools: mustAnswer ? [] : agent.tools.flatMap((name) => (input.ir.tools[name] ? [{ name, uses: input.ir.tools[name].uses, config: input.ir.tools[name].with }] : [])),
          outputSchema: input.outputSchema ?? input.skills.find((s) => s.outputSchema !== null)?.outputSchema ?? null,
          mustAnswer,
          turn,
        },
      ],
      { taskQueue: inferenceTaskQueue(model.pool), summary, attemptTimeoutMs: 600_000, heartbeatTimeoutMs: input.heartbeatTimeoutMs, retry: input.retry, retryUntil },
      { ...turnOptions, summary },
    );
    turn++;
    spend({ steps: 1, tokens: r.usage.promptTokens + r.usage.completionTokens });
    lastPromptTokens = r.usage.promptTokens;
    conversation = r.conversation;
    pendingResults = undefined;
    repair = undefined;

    if (r.toolCalls.length > 0) {
      if (!(await ensure({ steps: r.toolCalls.length, tokens: 0 }))) return done('budget_exhausted', null, 'the run budget is used up');
      const results = await Promise.all(
        r.toolCalls.map(async (call, i) => {
          const tool = input.ir.tools[call.name];
          let res: ToolCallResult;
          if (!tool) res = { ok: false, output: null, resultRef: null, error: `no tool named "${call.name}" is offered to this agent` };
          else if (call.argumentsError) res = { ok: false, output: null, resultRef: null, error: `the arguments are not valid JSON: ${call.argumentsError}` };
          else {
            try {
              const summary = `${input.agentName} tool ${call.name}`;
              // A tool's own error comes back as a result ({ ok: false }); what throws is infrastructure or a bug.
              res = await callActivity(
                'toolCall',
                [{ ctx: { ...ctx, idempotencyKey: `${input.idempotencyKey}#t${turn}.c${i}` }, tool: call.name, uses: tool.uses, config: tool.with, args: call.arguments, storeResult: true }],
                { taskQueue: SWARM_TASK_QUEUE, summary, attemptTimeoutMs: 300_000, heartbeatTimeoutMs: input.heartbeatTimeoutMs, retry: input.retry, retryUntil },
                { taskQueue: SWARM_TASK_QUEUE, startToCloseTimeout: 300_000, heartbeatTimeout: input.heartbeatTimeoutMs, retry: { maximumAttempts: 3 }, summary },
              );
            } catch (err) {
              res = { ok: false, output: null, resultRef: null, error: errorMessage(err) };
            }
          }
          return { call, res };
        }),
      );
      spend({ steps: r.toolCalls.length, tokens: 0 });
      // A tool error is fed back to the model as the call's result: the agent decides what to do.
      pendingResults = results.map(({ call, res }) =>
        res.resultRef && res.ok ? { callId: call.id, name: call.name, result: res.resultRef } : { callId: call.id, name: call.name, error: res.error ?? 'the tool failed' },
      );
      continue;
    }
    if (r.schemaErrors.length > 0) {
      if (!repaired) {
        repaired = true;
        repair = r.schemaErrors;
        continue;
      }
      return done('failed', r.answer, `the answer does not match the output schema after one repair turn: ${r.schemaErrors.join('; ')}`);
    }
    if (conversation) transcripts.push(conversation);
    return done('succeeded', r.answer, null);
  }
}
