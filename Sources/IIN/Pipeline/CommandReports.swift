import Foundation

/// What `--json` prints for each command: plain JSON values whose shapes
/// docs/cli.md documents and `docs/schemas/*.schema.json` fix (JSON
/// Schema, draft 2020-12); a test checks every command's output against
/// its schema. Each object names its schema (`"schema": "iin-status/1"`),
/// so a script can tell which shape it reads.
public enum CommandReports {
    public static func status(plans: [StagePlan], lastRun: RunSummary?, release: URL, releaseState: String, releaseFailures: [String]) -> JSONValue {
        let stages: [JSONValue] = plans.map { plan in
            .object([
                "name": .string(plan.stage.name),
                "kind": .string(plan.stage.kind),
                "state": .string(plan.upToDate ? "up_to_date" : plan.reasons.isEmpty ? "waiting" : "stale"),
                // A waiting stage's fingerprint is a forecast: not given.
                "fingerprint": plan.waitingOn.isEmpty ? .string(plan.fingerprint) : .null,
                "reasons": .array(plan.reasons.map { .string($0.description) }),
                "waiting_on": .array(plan.waitingOn.map(JSONValue.string)),
            ])
        }
        let last: JSONValue = lastRun.map { run in
            .object([
                "finished": .string(run.finished),
                "ran": .array(run.stages.filter { $0.status == .ran }.map { .string($0.stage) }),
                "failed_stage": run.failedStage.map(JSONValue.string) ?? .null,
                "early_cutoffs": .array(run.cutoffs.map(JSONValue.string)),
            ])
        } ?? .null
        let stale = plans.contains { !$0.upToDate } || releaseState != "up_to_date"
        return .object([
            "schema": .string("iin-status/1"),
            "stages": .array(stages),
            "last_run": last,
            "release": .object(["path": .string(release.path), "state": .string(releaseState), "failures": .array(releaseFailures.map(JSONValue.string))]),
            "stale": .bool(stale),
        ])
    }

    /// What `run --dry-run` would do: each stage, whether it would run,
    /// and why.
    public static func dryRun(plans: [StagePlan], forced: Set<String>) -> JSONValue {
        .object([
            "schema": .string("iin-run/1"),
            "dry_run": .bool(true),
            "stages": .array(plans.map { plan in
                let forcedHere = forced.contains(plan.stage.name)
                let reasons = (forcedHere ? ["forced with --force"] : []) + plan.reasons.map(\.description)
                return .object([
                    "name": .string(plan.stage.name),
                    "kind": .string(plan.stage.kind),
                    "status": .string(forcedHere || !plan.reasons.isEmpty ? "would_run" : plan.waitingOn.isEmpty ? "cached" : "would_run_if_upstream_changes"),
                    "reasons": .array(reasons.map(JSONValue.string)),
                    "waiting_on": .array(plan.waitingOn.map(JSONValue.string)),
                ])
            }),
        ])
    }

    public static func run(results: [StageResult], accounting: RecordAccounting?, release: URL?, seconds: Double, comparison: JSONValue?,
                           comparisonProblem: String?, cutoffs: [String]) -> JSONValue {
        .object([
            "schema": .string("iin-run/1"),
            "dry_run": .bool(false),
            "stages": .array(results.map { result in
                .object([
                    "name": .string(result.stage),
                    "kind": .string(result.kind),
                    "status": .string(result.status.rawValue),
                    "seconds": .number((result.seconds * 1000).rounded() / 1000),
                    "counts": .object(result.counts.mapValues(JSONValue.integer)),
                    "reasons": .array(result.reasons.map { .string($0.description) }),
                    "fingerprint": .string(result.fingerprint),
                    "artifact": .string(result.artifact.path),
                ])
            }),
            "accounting": accounting.map(Self.accounting) ?? .null,
            "early_cutoffs": .array(cutoffs.map(JSONValue.string)),
            "release": release.map { .string($0.path) } ?? .null,
            "comparison": comparison ?? .null,
            "comparison_problem": comparisonProblem.map(JSONValue.string) ?? .null,
            "seconds": .number((seconds * 1000).rounded() / 1000),
            "error": .null,
        ])
    }

    /// A run that stopped: the error and its exit code, and each stage of
    /// the run as far as it went (from the run log).
    public static func failedRun(error: String, exitCode: Int, lastRun: RunSummary?, seconds: Double) -> JSONValue {
        .object([
            "schema": .string("iin-run/1"),
            "dry_run": .bool(false),
            "stages": .array((lastRun?.stages ?? []).map { stage in
                .object(["name": .string(stage.stage), "kind": .string(""), "status": .string(stage.status.rawValue),
                         "reasons": .array(stage.reasons.map(JSONValue.string))])
            }),
            "accounting": .null,
            "early_cutoffs": .array([]),
            "release": .null,
            "comparison": .null,
            "comparison_problem": .null,
            "seconds": .number((seconds * 1000).rounded() / 1000),
            "error": .object(["message": .string(error), "exit_code": .integer(exitCode), "failed_stage": lastRun?.failedStage.map(JSONValue.string) ?? .null]),
        ])
    }

    /// The record accounting: per file and in total, with whether the
    /// identity rows read = kept + duplicates + rejected (+ the records a
    /// scoped network leaves out, `excluded`) holds.
    public static func accounting(_ accounting: RecordAccounting) -> JSONValue {
        func file(_ account: FileAccount) -> JSONValue {
            var fields: [String: JSONValue] = [
                "file": .string(account.file), "rows_read": .integer(account.rowsRead), "kept": .integer(account.kept),
                "duplicates": .integer(account.duplicate), "rejected": .object(account.rejected.mapValues(JSONValue.integer)),
                "in_slice": .integer(account.inSlice), "out_of_slice": .integer(account.outOfSlice),
            ]
            if let excluded = account.excluded { fields["excluded"] = .object(excluded.mapValues(JSONValue.integer)) }
            return .object(fields)
        }
        let total = accounting.total
        return .object(["files": .array(accounting.files.map(file)), "total": file(total), "holds": .bool(total.unaccounted == 0)])
    }

    public static func dag(_ pipeline: Pipeline) -> JSONValue {
        .object([
            "schema": .string("iin-dag/1"),
            "stages": .array(pipeline.stages.map { stage in
                .object(["name": .string(stage.name), "kind": .string(stage.kind), "needs": .array(stage.needs.map(JSONValue.string)),
                         "inputs": .array(stage.inputs.map(JSONValue.string)), "parameters": stage.parameters])
            }),
        ])
    }

    public static func audit(release: URL, checks: [CheckResult]) -> JSONValue {
        let failed = checks.filter { !$0.passed }.count
        return .object([
            "schema": .string("iin-audit/1"),
            "release": .string(release.path),
            "checks": .array(checks.map { check in
                .object(["id": .string(check.id), "title": .string(check.title), "passed": .bool(check.passed), "skipped": .bool(check.skipped),
                         "details": .array(check.details.map(JSONValue.string)), "failures": .array(check.failures.map(JSONValue.string))])
            }),
            "failed": .integer(failed),
            "agree": .bool(failed == 0),
        ])
    }

    public static func geocode(outcome: SideOutcome, explanations: [Geocoder.Explanation], gazetteer: Gazetteer) -> JSONValue {
        func answer(_ answer: PlaceAnswer?) -> JSONValue {
            switch answer {
            case let .city(code)?:
                let city = gazetteer.city(code: code)
                return .object(["city": .string(String(code)), "name_cn": city.map { .string($0.nameCN) } ?? .null,
                                "name_en": city.map { .string($0.nameEN) } ?? .null])
            case .outsideMainland?: return .object(["outside_mainland": .bool(true)])
            default: return .null
            }
        }
        return .object([
            "schema": .string("iin-geocode/1"),
            "result": outcome.method == nil ? .null : answer(outcome.answer),
            "method": outcome.method.map { .string($0.name) } ?? .null,
            "county": outcome.county == 0 ? .null : .object(["code": .string(String(outcome.county)),
                                                             "name_cn": gazetteer.countyLevelUnits.first { $0.code == outcome.county }.map { .string($0.name) } ?? .null]),
            "methods": .array(explanations.map { explanation in
                .object(["method": .string(explanation.method.name), "answer": answer(explanation.answer), "detail": .string(explanation.detail)])
            }),
        ])
    }
}
