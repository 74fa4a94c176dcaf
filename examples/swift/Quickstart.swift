// casekit quickstart for Swift: one realistic case from intake to closure on an embedded
// SQLite file, then its timeline. The Swift twin of examples/kotlin/Quickstart.kt.
//
// In an app: add the CaseKit package (bindings-swift/swift) and `import CaseKit`.
// Here: bindings-swift/scripts/test.sh compiles this file beside the generated
// CaseKit.swift wherever swiftc exists (see bindings-swift/README.md).
// Usage: quickstart [database file]

import Foundation
#if canImport(CaseKit)
import CaseKit
#endif

/// Collects the timeline as events are committed.
final class Timeline: EventListener, @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []

    func onEvent(event: RecordedEvent) throws {
        lock.lock()
        defer { lock.unlock() }
        let type = event.eventType.padding(toLength: 24, withPad: " ", startingAt: 0)
        lines.append("\(event.recordedAt)  #\(event.sequence)  \(type) by \(event.actor)")
    }

    var all: [String] {
        lock.lock()
        defer { lock.unlock() }
        return lines
    }
}

@main
struct Quickstart {
    static func main() throws {
        let args = CommandLine.arguments
        let path = args.count > 1 ? args[1] : NSTemporaryDirectory() + "casekit-quickstart-\(UUID().uuidString).db"
        // A manual clock lets the demo spread a few weeks of work over one run.
        let clock = try ManualClock(start: "2026-01-05T09:00:00Z")
        let book = try Casebook.open(path: path, clock: clock)
        print("casekit \(casekitVersion()) quickstart (SQLite: \(path))\n")
        let timeline = Timeline()
        _ = book.subscribe(listener: timeline)

        try book.registerProgram(program: Program(
            id: "housing-stability", name: "Housing Stability", requiredInstruments: ["phq-9"], customFields: []))
        let programs = ["housing-stability"]
        let iris = Actor(id: "iris", roles: [.intakeWorker], programs: programs)
        let sam = Actor(id: "sam", roles: [.supervisor], programs: programs)
        let ann = Actor(id: "ann", roles: [.caseManager], programs: programs)
        let audrey = Actor(id: "audrey", roles: [.auditor], programs: programs)

        // Intake.
        let caseId = try book.openCase(
            actor: iris,
            program: "housing-stability",
            client: ClientDetails(
                name: "Maria Santos", dateOfBirth: "1988-04-17", phone: "+1-555-0142", language: "es",
                householdSize: 3, monthlyIncome: 1450),
            priority: .high,
            tags: ["eviction-notice"]
        ).caseId
        _ = try book.addNote(actor: iris, caseId: caseId, text: "Eviction notice received; court date in 3 weeks.", kind: .contact)
        _ = try book.completeIntake(
            actor: iris, caseId: caseId, eligible: true,
            immediateNeeds: [ImmediateNeedInput(category: "food", description: "Pantry referral this week")])
        try clock.advance(seconds: 2 * 86_400)
        _ = try book.assignWorker(actor: sam, caseId: caseId, worker: "ann")

        // Assessment.
        _ = try book.recordAssessment(
            actor: ann, caseId: caseId, instrument: InstrumentRef(id: "phq-9", version: "1.0"),
            responsesJson: #"{"q1": 2, "q2": 1, "q9": 0}"#, scores: ["total": 11], bands: ["total": "moderate"],
            identifiedNeeds: [IdentifiedNeedInput(domain: "housing", description: "Rent arrears of two months", severity: "high")])
        _ = try book.addNote(actor: ann, caseId: caseId, text: "Discussed family history; details kept confidential.", confidential: true)
        _ = try book.completeAssessment(actor: ann, caseId: caseId, summary: "Housing is the urgent need; moderate depression symptoms.")

        // Planning.
        let goal = try book.addGoal(
            actor: ann, caseId: caseId, description: "Keep the family housed", domain: "housing",
            measure: Measure(name: "months of rent arrears", unit: "months", baseline: 2, target: 0, direction: .decrease),
            due: "2026-04-30"
        ).createdId ?? ""
        let service = try book.addService(
            actor: ann, caseId: caseId, name: "Emergency rental assistance", provider: "City Housing Fund", goalId: goal
        ).createdId ?? ""
        _ = try book.addTask(actor: ann, caseId: caseId, title: "Call the landlord about a payment plan", due: "2026-01-12T17:00:00Z", assignee: "ann")
        _ = try book.activatePlan(actor: ann, caseId: caseId)

        // Implementation and monitoring.
        try clock.advance(seconds: 14 * 86_400)
        _ = try book.recordServiceDelivery(actor: ann, caseId: caseId, serviceId: service, deliveredOn: "2026-01-20", units: 2900, note: "Two months paid")
        _ = try book.recordOutcome(actor: ann, caseId: caseId, goalId: goal, value: 0, measuredOn: "2026-01-21")
        if let task = try book.get(actor: ann, caseId: caseId).tasks.first {
            _ = try book.completeTask(actor: ann, caseId: caseId, taskId: task.id)
        }

        // Evaluation and closure.
        try clock.advance(seconds: 30 * 86_400)
        _ = try book.evaluateGoals(actor: ann, caseId: caseId, evaluations: [GoalEvaluation(goalId: goal, status: .achieved)])
        let closed = try book.close(actor: ann, caseId: caseId, reason: .goalsAchieved, summary: "Arrears cleared; lease continues.")
        print("Case \(caseId) is \(closed.phase) at version \(closed.version).\n")

        print("Timeline:")
        for line in timeline.all {
            print("  \(line)")
        }

        // What an auditor sees.
        let seen = try book.get(actor: audrey, caseId: caseId)
        let history = try book.history(actor: audrey, caseId: caseId)
        let report = try book.verify(actor: audrey, caseId: caseId)
        print("\nThe auditor sees \(seen.notes.count) of 2 notes; \(history.filter { $0.redacted }.count) history entry is redacted.")
        print("Audit chain: \(report.valid ? "valid" : "BROKEN") over \(report.eventsChecked) events.")
        let active = try book.list(actor: sam, query: CaseQuery(phase: .active))
        print("Active cases left: \(active.items.count).")
        do {
            _ = try book.addNote(actor: ann, caseId: caseId, text: "One more thing")
        } catch let error as CaseKitError {
            print("A closed case refuses work: \(error.code())")
        }

        // Migrating records from an existing system: each old case's history becomes
        // commands of one executeBatchSummary call (one transaction, all or nothing, answered
        // with a summary: an import needs no answer per command), the cases
        // under ids chosen up front (a real migration keeps the map from the old
        // system's references to them). Large batches are written while later cases are
        // still being checked. It runs as an account that may act in every phase.
        var items: [BatchItem] = []
        for n in 1...30 {
            let id = UUID().uuidString.lowercased()
            items.append(BatchItem(command: .openCase(
                program: "housing-stability", client: ClientDetails(name: "Client \(n)"), clientId: nil, caseId: id,
                priority: nil, tags: ["migrated"], assignTo: nil, customFieldsJson: nil)))
            items.append(BatchItem(caseId: id, command: .completeIntake(eligible: true, immediateNeeds: [])))
            items.append(BatchItem(caseId: id, command: .addNote(
                text: String(format: "Imported from record L-%04d", n), kind: nil, confidential: false)))
        }
        let imported = try book.executeBatchSummary(actor: sam, items: items)
        let migrated = try book.list(actor: sam, query: CaseQuery(tag: "migrated", limit: 100))
        let inAssessment = migrated.items.filter { $0.phase == .assessment }.count
        print("Imported \(imported.cases) legacy cases (\(imported.commands) commands in one transaction); \(inAssessment) now in assessment.")

        // A backup while the casebook stays open: once the write-ahead log is emptied
        // into it, the file alone holds every commit and can be copied like any file.
        try book.checkpoint()
        let backup = path + ".backup"
        try? FileManager.default.removeItem(atPath: backup)
        try FileManager.default.copyItem(atPath: path, toPath: backup)
        let copied = try Casebook.open(path: backup)
        let copiedCases = try copied.list(actor: sam, query: CaseQuery(limit: 100)).items.count
        print("Backup copied: \(copiedCases) cases.")
    }
}
