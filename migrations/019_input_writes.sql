-- Writes of data attribution reads that neither a billing period nor an
-- agent interval records (017): the bulk writers of usage intervals,
-- function samples, pods and nodes (UpsertUsage, AddFunctionSamples,
-- UpsertPods, UpsertNodes: fixtures, tests, loaders of data that does not
-- come in agent batches). Each records its transaction id and the span of
-- time its rows concern: the intervals' or the samples' hours, the pods'
-- and nodes' lifetimes before and after the write (span_end 'infinity'
-- for one still running). An attributed hour the span overlaps is stale
-- when its read snapshot does not see the transaction, as for agent
-- intervals. Agent batches record agent_intervals instead; nothing else
-- writes here, so the table stays small.
CREATE TABLE input_writes (
    xid        xid8 NOT NULL,
    span_start timestamptz NOT NULL,
    span_end   timestamptz NOT NULL,
    written_at timestamptz NOT NULL DEFAULT now(),
    CHECK (span_end > span_start)
);
