// Replays every conformance scenario (tests/scenarios/*.json, format in tests/README.md)
// through the generated Swift API — one typed method per command, typed records — on an
// in-memory store and on a SQLite file, checks every step's expectations, and compares
// the final snapshot with tests/scenarios/expected/<name>.json as parsed JSON.
// The Swift twin of bindings-swift/kotlin/ScenarioRunner.kt.
//
// Built by bindings-swift/scripts/test.sh wherever swiftc exists:
//   swiftc -parse-as-library CaseKit.swift ScenarioRunner.swift (+ the CaseKitFFI module and library)
// Usage: scenario-runner <tests/scenarios dir> [scratch dir for SQLite files]

import Foundation

// MARK: - JSON (no Foundation quirks: numbers keep their text)

indirect enum JSON: Equatable {
    case object([String: JSON], [String])
    case array([JSON])
    case string(String)
    case number(String)
    case bool(Bool)
    case null
}

struct RunnerError: Error, CustomStringConvertible {
    let description: String
}

func fail(_ message: String) -> RunnerError {
    RunnerError(description: message)
}

struct JSONParser {
    private let bytes: [UInt8]
    private var i = 0

    init(_ text: String) {
        bytes = Array(text.utf8)
    }

    static func parse(_ text: String) throws -> JSON {
        var p = JSONParser(text)
        let v = try p.value()
        p.ws()
        if p.i != p.bytes.count { throw fail("JSON: trailing characters at \(p.i)") }
        return v
    }

    private mutating func ws() {
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 {
            i += 1
        }
    }

    private mutating func value() throws -> JSON {
        ws()
        guard i < bytes.count else { throw fail("JSON: unexpected end") }
        switch bytes[i] {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "n"): return try literal("null", .null)
        default: return try number()
        }
    }

    private mutating func literal(_ word: String, _ v: JSON) throws -> JSON {
        let w = Array(word.utf8)
        guard i + w.count <= bytes.count, Array(bytes[i..<(i + w.count)]) == w else {
            throw fail("JSON: expected \(word) at \(i)")
        }
        i += w.count
        return v
    }

    private mutating func number() throws -> JSON {
        let start = i
        let allowed = Array("0123456789+-.eE".utf8)
        while i < bytes.count, allowed.contains(bytes[i]) {
            i += 1
        }
        guard i > start else { throw fail("JSON: unexpected character at \(i)") }
        return .number(String(decoding: bytes[start..<i], as: UTF8.self))
    }

    private mutating func string() throws -> String {
        i += 1
        var out: [UInt8] = []
        while true {
            guard i < bytes.count else { throw fail("JSON: unterminated string") }
            let c = bytes[i]
            i += 1
            if c == UInt8(ascii: "\"") { return String(decoding: out, as: UTF8.self) }
            if c != UInt8(ascii: "\\") {
                out.append(c)
                continue
            }
            guard i < bytes.count else { throw fail("JSON: bad escape") }
            let e = bytes[i]
            i += 1
            switch e {
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "u"):
                guard i + 4 <= bytes.count,
                      let code = UInt32(String(decoding: bytes[i..<(i + 4)], as: UTF8.self), radix: 16)
                else { throw fail("JSON: bad \\u escape") }
                i += 4
                let scalar = Unicode.Scalar(code) ?? Unicode.Scalar(0x3F)
                out.append(contentsOf: Array(String(Character(scalar)).utf8))
            default:
                out.append(e)
            }
        }
    }

    private mutating func object() throws -> JSON {
        i += 1
        var fields: [String: JSON] = [:]
        var keys: [String] = []
        ws()
        if i < bytes.count, bytes[i] == UInt8(ascii: "}") {
            i += 1
            return .object(fields, keys)
        }
        while true {
            ws()
            guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw fail("JSON: expected a key at \(i)") }
            let k = try string()
            ws()
            guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw fail("JSON: expected ':' at \(i)") }
            i += 1
            if fields[k] == nil { keys.append(k) }
            fields[k] = try value()
            ws()
            guard i < bytes.count else { throw fail("JSON: unterminated object") }
            let c = bytes[i]
            i += 1
            if c == UInt8(ascii: "}") { return .object(fields, keys) }
            if c != UInt8(ascii: ",") { throw fail("JSON: expected ',' or '}' at \(i)") }
        }
    }

    private mutating func array() throws -> JSON {
        i += 1
        var items: [JSON] = []
        ws()
        if i < bytes.count, bytes[i] == UInt8(ascii: "]") {
            i += 1
            return .array(items)
        }
        while true {
            items.append(try value())
            ws()
            guard i < bytes.count else { throw fail("JSON: unterminated array") }
            let c = bytes[i]
            i += 1
            if c == UInt8(ascii: "]") { return .array(items) }
            if c != UInt8(ascii: ",") { throw fail("JSON: expected ',' or ']' at \(i)") }
        }
    }
}

func writeJSON(_ v: JSON) -> String {
    switch v {
    case let .object(fields, keys):
        let parts = keys.map { k in quoteJSON(k) + ":" + writeJSON(fields[k] ?? .null) }
        return "{" + parts.joined(separator: ",") + "}"
    case let .array(items):
        return "[" + items.map(writeJSON).joined(separator: ",") + "]"
    case let .string(s):
        return quoteJSON(s)
    case let .number(text):
        return text
    case let .bool(b):
        return b ? "true" : "false"
    case .null:
        return "null"
    }
}

func quoteJSON(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if scalar.value < 0x20 {
                out += String(format: "\\u%04x", scalar.value)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out + "\""
}

/// Subset match (null also matches a missing key) or exact comparison; numbers compare
/// numerically. Returns the first path that differs.
func compareJSON(_ e: JSON, _ a: JSON, subset: Bool, path: String = "$") -> String? {
    switch (e, a) {
    case let (.object(ef, ekeys), .object(af, akeys)):
        for k in ekeys {
            let ev = ef[k] ?? .null
            guard let av = af[k] else {
                if subset && ev == .null { continue }
                return "\(path).\(k): expected \(writeJSON(ev)), but the key is missing"
            }
            if let d = compareJSON(ev, av, subset: subset, path: "\(path).\(k)") { return d }
        }
        if !subset, let extra = akeys.first(where: { ef[$0] == nil }) {
            return "\(path).\(extra): unexpected key"
        }
        return nil
    case let (.array(ea), .array(aa)):
        if ea.count != aa.count { return "\(path): expected \(ea.count) items, got \(aa.count)" }
        for idx in 0..<ea.count {
            if let d = compareJSON(ea[idx], aa[idx], subset: subset, path: "\(path)[\(idx)]") { return d }
        }
        return nil
    case let (.number(en), .number(an)):
        return Decimal(string: en) == Decimal(string: an) ? nil : "\(path): expected \(en), got \(an)"
    default:
        return e == a ? nil : "\(path): expected \(writeJSON(e)), got \(writeJSON(a))"
    }
}

// MARK: - Fields taken one by one (unknown command fields are refused, as casekit does)

final class Fields {
    let obj: [String: JSON]
    let what: String
    private var taken = Set<String>()

    init(_ v: JSON, _ what: String) throws {
        guard case let .object(o, _) = v else { throw fail("\(what) must be an object") }
        obj = o
        self.what = what
    }

    func has(_ k: String) -> Bool { obj[k] != nil }

    func opt(_ k: String) -> JSON? {
        taken.insert(k)
        guard let v = obj[k], v != .null else { return nil }
        return v
    }

    func str(_ k: String) throws -> String {
        guard let s = try optStr(k) else { throw fail("\(what): missing field \"\(k)\"") }
        return s
    }

    func optStr(_ k: String) throws -> String? {
        guard let v = opt(k) else { return nil }
        guard case let .string(s) = v else { throw fail("\(what).\(k) must be a string") }
        return s
    }

    func bool(_ k: String, _ fallback: Bool? = nil) throws -> Bool {
        guard let v = opt(k) else {
            if let f = fallback { return f }
            throw fail("\(what): missing field \"\(k)\"")
        }
        guard case let .bool(b) = v else { throw fail("\(what).\(k) must be true or false") }
        return b
    }

    func optNumber(_ k: String) throws -> String? {
        guard let v = opt(k) else { return nil }
        guard case let .number(t) = v else { throw fail("\(what).\(k) must be a number") }
        return t
    }

    func double(_ k: String) throws -> Double {
        guard let d = try optDouble(k) else { throw fail("\(what): missing field \"\(k)\"") }
        return d
    }

    func optDouble(_ k: String) throws -> Double? {
        guard let t = try optNumber(k) else { return nil }
        guard let d = Double(t) else { throw fail("\(what).\(k): bad number \(t)") }
        return d
    }

    func optUInt32(_ k: String) throws -> UInt32? {
        guard let t = try optNumber(k) else { return nil }
        guard let n = UInt32(t) else { throw fail("\(what).\(k): not a whole number \(t)") }
        return n
    }

    func optUInt64(_ k: String) throws -> UInt64? {
        guard let t = try optNumber(k) else { return nil }
        guard let n = UInt64(t) else { throw fail("\(what).\(k): not a whole number \(t)") }
        return n
    }

    func object(_ k: String) throws -> Fields {
        guard let v = opt(k) else { throw fail("\(what): missing field \"\(k)\"") }
        return try Fields(v, "\(what).\(k)")
    }

    func optObject(_ k: String) throws -> Fields? {
        guard let v = opt(k) else { return nil }
        return try Fields(v, "\(what).\(k)")
    }

    func list(_ k: String) throws -> [JSON] {
        guard let v = opt(k) else { return [] }
        guard case let .array(items) = v else { throw fail("\(what).\(k) must be an array") }
        return items
    }

    func strings(_ k: String) throws -> [String] {
        try list(k).map { item in
            guard case let .string(s) = item else { throw fail("\(what).\(k): strings only") }
            return s
        }
    }

    func objects(_ k: String) throws -> [Fields] {
        let items = try list(k)
        var out: [Fields] = []
        for (idx, item) in items.enumerated() {
            out.append(try Fields(item, "\(what).\(k)[\(idx)]"))
        }
        return out
    }

    /// A JSON object field handed to casekit as JSON text.
    func jsonText(_ k: String) throws -> String? {
        guard let v = opt(k) else { return nil }
        guard case .object = v else { throw fail("\(what).\(k) must be an object") }
        return writeJSON(v)
    }

    func numberMap(_ k: String) throws -> [String: Double] {
        guard let v = opt(k) else { return [:] }
        guard case let .object(o, _) = v else { throw fail("\(what).\(k) must be an object") }
        var out: [String: Double] = [:]
        for (key, x) in o {
            guard case let .number(t) = x, let d = Double(t) else { throw fail("\(what).\(k).\(key) must be a number") }
            out[key] = d
        }
        return out
    }

    func stringMap(_ k: String) throws -> [String: String] {
        guard let v = opt(k) else { return [:] }
        guard case let .object(o, _) = v else { throw fail("\(what).\(k) must be an object") }
        var out: [String: String] = [:]
        for (key, x) in o {
            guard case let .string(s) = x else { throw fail("\(what).\(k).\(key) must be a string") }
            out[key] = s
        }
        return out
    }

    func done() throws {
        if let k = obj.keys.sorted().first(where: { !taken.contains($0) }) {
            throw fail("\(what): unknown field \"\(k)\"")
        }
    }
}

// MARK: - Enums: casekit's snake_case names <-> Swift cases

func snakeCase(_ s: String) -> String {
    var out = ""
    for ch in s {
        if ch.isUppercase {
            out += "_" + ch.lowercased()
        } else {
            out.append(ch)
        }
    }
    return out
}

func wire<T>(_ v: T) -> String {
    snakeCase(String(describing: v))
}

/// The snake_case name of an enum value's case, associated values or not.
func variantName<T>(_ v: T) -> String {
    let described = String(describing: v)
    let name = described.split(separator: "(", maxSplits: 1).first.map(String.init) ?? described
    return snakeCase(name)
}

func enumValue<T: CaseIterable>(_ s: String, _ type: T.Type) throws -> T {
    guard let v = T.allCases.first(where: { wire($0) == s }) else { throw fail("unknown \(T.self) \"\(s)\"") }
    return v
}

// MARK: - Command JSON -> typed method calls

func clientDetails(_ f: Fields) throws -> ClientDetails {
    ClientDetails(
        name: try f.str("name"),
        dateOfBirth: try f.optStr("date_of_birth"),
        gender: try f.optStr("gender"),
        address: try f.optStr("address"),
        phone: try f.optStr("phone"),
        email: try f.optStr("email"),
        language: try f.optStr("language"),
        householdSize: try f.optUInt32("household_size"),
        monthlyIncome: try f.optDouble("monthly_income"),
        externalRef: try f.optStr("external_ref"),
        consents: try consents(f)
    )
}

func consents(_ f: Fields) throws -> [Consent] {
    try f.objects("consents").map { c in
        Consent(scope: try c.str("scope"), granted: try c.bool("granted"), date: try c.optStr("date"))
    }
}

func clientUpdate(_ f: Fields) throws -> ClientUpdate {
    ClientUpdate(
        name: try f.optStr("name"),
        dateOfBirth: try f.optStr("date_of_birth"),
        gender: try f.optStr("gender"),
        address: try f.optStr("address"),
        phone: try f.optStr("phone"),
        email: try f.optStr("email"),
        language: try f.optStr("language"),
        householdSize: try f.optUInt32("household_size"),
        monthlyIncome: try f.optDouble("monthly_income"),
        externalRef: try f.optStr("external_ref"),
        consents: try consents(f)
    )
}

func measure(_ f: Fields) throws -> Measure {
    Measure(
        name: try f.str("name"),
        unit: try f.optStr("unit"),
        baseline: try f.optDouble("baseline"),
        target: try f.double("target"),
        direction: try enumValue(try f.str("direction"), Direction.self)
    )
}

func optEnum<T: CaseIterable>(_ f: Fields, _ k: String, _ type: T.Type) throws -> T? {
    guard let s = try f.optStr(k) else { return nil }
    return try enumValue(s, type)
}

/// A command's JSON form as the typed `Command`: what `executeBatch` takes, and what
/// `dispatch` hands to the command's typed method.
func commandOf(_ cmd: Fields) throws -> Command {
    let type = try cmd.str("type")
    switch type {
    case "open_case":
        return .openCase(
            program: try cmd.str("program"), client: try clientDetails(try cmd.object("client")),
            clientId: try cmd.optStr("client_id"), caseId: try cmd.optStr("case_id"),
            priority: try optEnum(cmd, "priority", Priority.self), tags: try cmd.strings("tags"),
            assignTo: try cmd.optStr("assign_to"), customFieldsJson: try cmd.jsonText("custom_fields"))
    case "complete_intake":
        let needs = try cmd.objects("immediate_needs").map { n -> ImmediateNeedInput in
            let need = ImmediateNeedInput(category: try n.str("category"), description: try n.optStr("description") ?? "")
            try n.done()
            return need
        }
        return .completeIntake(eligible: try cmd.bool("eligible"), immediateNeeds: needs)
    case "record_assessment":
        let inst = try cmd.object("instrument")
        let needs = try cmd.objects("identified_needs").map { n -> IdentifiedNeedInput in
            let need = IdentifiedNeedInput(
                domain: try n.str("domain"), description: try n.optStr("description") ?? "", severity: try n.optStr("severity"))
            try n.done()
            return need
        }
        guard let responses = try cmd.jsonText("responses") else { throw fail("record_assessment needs responses") }
        return .recordAssessment(
            instrument: InstrumentRef(id: try inst.str("id"), version: try inst.str("version")),
            responsesJson: responses, scores: try cmd.numberMap("scores"), bands: try cmd.stringMap("bands"),
            riskFlags: try cmd.strings("risk_flags"), identifiedNeeds: needs)
    case "complete_assessment":
        return .completeAssessment(summary: try cmd.optStr("summary"))
    case "activate_plan":
        return .activatePlan
    case "start_reassessment":
        return .startReassessment(reason: try cmd.str("reason"))
    case "close":
        return .close(reason: try enumValue(try cmd.str("reason"), ClosureReason.self), summary: try cmd.str("summary"))
    case "reopen":
        return .reopen(reason: try cmd.str("reason"))
    case "update_client":
        return .updateClient(changes: try clientUpdate(try cmd.object("changes")))
    case "assign_worker":
        return .assignWorker(worker: try cmd.str("worker"), role: try optEnum(cmd, "role", AssignmentRole.self))
    case "unassign_worker":
        return .unassignWorker(worker: try cmd.str("worker"))
    case "add_note":
        return .addNote(
            text: try cmd.str("text"), kind: try optEnum(cmd, "kind", NoteKind.self),
            confidential: try cmd.bool("confidential", false))
    case "attach_document":
        guard let size = try cmd.optUInt64("size_bytes") else { throw fail("attach_document needs size_bytes") }
        return .attachDocument(
            name: try cmd.str("name"), mediaType: try cmd.str("media_type"), sha256: try cmd.str("sha256"),
            sizeBytes: size, category: try cmd.optStr("category"))
    case "refer_out":
        return .referOut(
            organization: try cmd.str("organization"), service: try cmd.optStr("service"), reason: try cmd.str("reason"))
    case "update_referral":
        return .updateReferral(
            referralId: try cmd.str("referral_id"), status: try enumValue(try cmd.str("status"), ReferralStatus.self))
    case "transfer":
        return .transfer(
            toProgram: try cmd.optStr("to_program"), toWorker: try cmd.optStr("to_worker"), reason: try cmd.str("reason"))
    case "add_task":
        return .addTask(
            taskId: try cmd.optStr("task_id"), title: try cmd.str("title"), due: try cmd.optStr("due"),
            assignee: try cmd.optStr("assignee"))
    case "complete_task":
        return .completeTask(taskId: try cmd.str("task_id"))
    case "cancel_task":
        return .cancelTask(taskId: try cmd.str("task_id"), reason: try cmd.str("reason"))
    case "reassign_task":
        return .reassignTask(taskId: try cmd.str("task_id"), assignee: try cmd.str("assignee"))
    case "set_task_due":
        if !cmd.has("due") { throw fail("set_task_due needs \"due\" (null clears it)") }
        return .setTaskDue(taskId: try cmd.str("task_id"), due: try cmd.optStr("due"))
    case "set_priority":
        return .setPriority(priority: try enumValue(try cmd.str("priority"), Priority.self))
    case "add_tag":
        return .addTag(tag: try cmd.str("tag"))
    case "remove_tag":
        return .removeTag(tag: try cmd.str("tag"))
    case "place_on_hold":
        return .placeOnHold(reason: try cmd.str("reason"), until: try cmd.optStr("until"))
    case "resume":
        return .resume
    case "set_custom_fields":
        guard let values = try cmd.jsonText("values") else { throw fail("set_custom_fields needs values") }
        return .setCustomFields(valuesJson: values)
    case "add_goal":
        return .addGoal(
            goalId: try cmd.optStr("goal_id"), description: try cmd.str("description"), domain: try cmd.str("domain"),
            needId: try cmd.optStr("need_id"), measure: try cmd.optObject("measure").map { try measure($0) },
            due: try cmd.optStr("due"))
    case "evaluate_goals":
        let evaluations = try cmd.objects("evaluations").map { e -> GoalEvaluation in
            let evaluation = GoalEvaluation(goalId: try e.str("goal_id"), status: try enumValue(try e.str("status"), GoalStatus.self))
            try e.done()
            return evaluation
        }
        return .evaluateGoals(evaluations: evaluations)
    case "add_service":
        return .addService(
            serviceId: try cmd.optStr("service_id"), name: try cmd.str("name"), provider: try cmd.str("provider"),
            goalId: try cmd.optStr("goal_id"), start: try cmd.optStr("start"), end: try cmd.optStr("end"),
            frequency: try cmd.optStr("frequency"))
    case "set_service_status":
        return .setServiceStatus(
            serviceId: try cmd.str("service_id"), status: try enumValue(try cmd.str("status"), ServiceStatus.self),
            reason: try cmd.optStr("reason"))
    case "record_service_delivery":
        return .recordServiceDelivery(
            serviceId: try cmd.str("service_id"), deliveredOn: try cmd.str("delivered_on"),
            units: try cmd.optDouble("units"), note: try cmd.optStr("note"))
    case "record_outcome":
        return .recordOutcome(
            goalId: try cmd.str("goal_id"), value: try cmd.double("value"), measuredOn: try cmd.str("measured_on"),
            note: try cmd.optStr("note"))
    default:
        throw fail("unknown command type \"\(type)\"")
    }
}

/// Runs one command through its typed method (the switch is exhaustive: a new command
/// does not compile until it is dispatched here). A step without a case passes an empty
/// case id, which the binding refuses as a validation error on `case_id`.
func dispatch(_ book: Casebook, _ actor: Actor, _ caseId: String?, _ command: Command, _ ev: UInt64?) throws -> Committed {
    let c = caseId ?? ""
    switch command {
    case let .openCase(program, client, clientId, chosenId, priority, tags, assignTo, customFieldsJson):
        return try book.openCase(
            actor: actor, program: program, client: client, clientId: clientId, caseId: chosenId, priority: priority,
            tags: tags, assignTo: assignTo, customFieldsJson: customFieldsJson)
    case let .completeIntake(eligible, immediateNeeds):
        return try book.completeIntake(actor: actor, caseId: c, eligible: eligible, immediateNeeds: immediateNeeds, expectedVersion: ev)
    case let .recordAssessment(instrument, responsesJson, scores, bands, riskFlags, identifiedNeeds):
        return try book.recordAssessment(
            actor: actor, caseId: c, instrument: instrument, responsesJson: responsesJson, scores: scores, bands: bands,
            riskFlags: riskFlags, identifiedNeeds: identifiedNeeds, expectedVersion: ev)
    case let .completeAssessment(summary):
        return try book.completeAssessment(actor: actor, caseId: c, summary: summary, expectedVersion: ev)
    case .activatePlan:
        return try book.activatePlan(actor: actor, caseId: c, expectedVersion: ev)
    case let .startReassessment(reason):
        return try book.startReassessment(actor: actor, caseId: c, reason: reason, expectedVersion: ev)
    case let .close(reason, summary):
        return try book.close(actor: actor, caseId: c, reason: reason, summary: summary, expectedVersion: ev)
    case let .reopen(reason):
        return try book.reopen(actor: actor, caseId: c, reason: reason, expectedVersion: ev)
    case let .updateClient(changes):
        return try book.updateClient(actor: actor, caseId: c, changes: changes, expectedVersion: ev)
    case let .assignWorker(worker, role):
        return try book.assignWorker(actor: actor, caseId: c, worker: worker, role: role, expectedVersion: ev)
    case let .unassignWorker(worker):
        return try book.unassignWorker(actor: actor, caseId: c, worker: worker, expectedVersion: ev)
    case let .addNote(text, kind, confidential):
        return try book.addNote(actor: actor, caseId: c, text: text, kind: kind, confidential: confidential, expectedVersion: ev)
    case let .attachDocument(name, mediaType, sha256, sizeBytes, category):
        return try book.attachDocumentMetadata(
            actor: actor, caseId: c, name: name, mediaType: mediaType, sha256: sha256, sizeBytes: sizeBytes,
            category: category, expectedVersion: ev)
    case let .referOut(organization, service, reason):
        return try book.referOut(
            actor: actor, caseId: c, organization: organization, service: service, reason: reason, expectedVersion: ev)
    case let .updateReferral(referralId, status):
        return try book.updateReferral(actor: actor, caseId: c, referralId: referralId, status: status, expectedVersion: ev)
    case let .transfer(toProgram, toWorker, reason):
        return try book.transfer(
            actor: actor, caseId: c, toProgram: toProgram, toWorker: toWorker, reason: reason, expectedVersion: ev)
    case let .addTask(taskId, title, due, assignee):
        return try book.addTask(
            actor: actor, caseId: c, taskId: taskId, title: title, due: due, assignee: assignee, expectedVersion: ev)
    case let .completeTask(taskId):
        return try book.completeTask(actor: actor, caseId: c, taskId: taskId, expectedVersion: ev)
    case let .cancelTask(taskId, reason):
        return try book.cancelTask(actor: actor, caseId: c, taskId: taskId, reason: reason, expectedVersion: ev)
    case let .reassignTask(taskId, assignee):
        return try book.reassignTask(actor: actor, caseId: c, taskId: taskId, assignee: assignee, expectedVersion: ev)
    case let .setTaskDue(taskId, due):
        return try book.setTaskDue(actor: actor, caseId: c, taskId: taskId, due: due, expectedVersion: ev)
    case let .setPriority(priority):
        return try book.setPriority(actor: actor, caseId: c, priority: priority, expectedVersion: ev)
    case let .addTag(tag):
        return try book.addTag(actor: actor, caseId: c, tag: tag, expectedVersion: ev)
    case let .removeTag(tag):
        return try book.removeTag(actor: actor, caseId: c, tag: tag, expectedVersion: ev)
    case let .placeOnHold(reason, until):
        return try book.placeOnHold(actor: actor, caseId: c, reason: reason, until: until, expectedVersion: ev)
    case .resume:
        return try book.resume(actor: actor, caseId: c, expectedVersion: ev)
    case let .setCustomFields(valuesJson):
        return try book.setCustomFields(actor: actor, caseId: c, valuesJson: valuesJson, expectedVersion: ev)
    case let .addGoal(goalId, description, domain, needId, measure, due):
        return try book.addGoal(
            actor: actor, caseId: c, goalId: goalId, description: description, domain: domain, needId: needId,
            measure: measure, due: due, expectedVersion: ev)
    case let .evaluateGoals(evaluations):
        return try book.evaluateGoals(actor: actor, caseId: c, evaluations: evaluations, expectedVersion: ev)
    case let .addService(serviceId, name, provider, goalId, start, end, frequency):
        return try book.addService(
            actor: actor, caseId: c, serviceId: serviceId, name: name, provider: provider, goalId: goalId, start: start,
            end: end, frequency: frequency, expectedVersion: ev)
    case let .setServiceStatus(serviceId, status, reason):
        return try book.setServiceStatus(
            actor: actor, caseId: c, serviceId: serviceId, status: status, reason: reason, expectedVersion: ev)
    case let .recordServiceDelivery(serviceId, deliveredOn, units, note):
        return try book.recordServiceDelivery(
            actor: actor, caseId: c, serviceId: serviceId, deliveredOn: deliveredOn, units: units, note: note,
            expectedVersion: ev)
    case let .recordOutcome(goalId, value, measuredOn, note):
        return try book.recordOutcome(
            actor: actor, caseId: c, goalId: goalId, value: value, measuredOn: measuredOn, note: note, expectedVersion: ev)
    }
}

func caseQuery(_ f: Fields) throws -> CaseQuery {
    var onHold: Bool? = nil
    if let v = f.opt("on_hold") {
        guard case let .bool(b) = v else { throw fail("on_hold must be true or false") }
        onHold = b
    }
    return CaseQuery(
        phase: try optEnum(f, "phase", Phase.self), program: try f.optStr("program"), assignee: try f.optStr("assignee"),
        clientId: try f.optStr("client_id"), priority: try optEnum(f, "priority", Priority.self), tag: try f.optStr("tag"),
        dueBefore: try f.optStr("due_before"), onHold: onHold, openedFrom: try f.optStr("opened_from"),
        openedTo: try f.optStr("opened_to"), closedFrom: try f.optStr("closed_from"), closedTo: try f.optStr("closed_to"),
        text: try f.optStr("text"), after: try f.optStr("after"), limit: try f.optUInt32("limit"))
}

// MARK: - The runner

final class EventCounter: EventListener, @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0

    func onEvent(event: RecordedEvent) throws {
        lock.lock()
        n += 1
        lock.unlock()
    }

    var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return n
    }
}

/// What a command step, or one result of a batch step, may expect of a `Committed`.
let committedExpectations = ["phase", "version", "events"]

func isName(_ s: Substring) -> Bool {
    guard let first = s.first, first.isLetter || first == "_" else { return false }
    return s.allSatisfy { ($0.isLetter || $0.isNumber || $0 == "_") && $0.isASCII }
}

final class ScenarioRun {
    let book: Casebook
    let clock: ManualClock
    let name: String
    private let tick: Int64
    private var actors: [String: Actor] = [:]
    private var saved: [String: String] = [:]
    private let steps: [JSON]
    private let finals: [JSON]
    private(set) var committedEvents = 0

    init(_ scenario: JSON, book: Casebook, clock: ManualClock) throws {
        self.book = book
        self.clock = clock
        let top = try Fields(scenario, "scenario")
        name = try top.str("name")
        _ = try top.optStr("description")
        _ = try top.str("start")
        tick = Int64(try top.optNumber("tick_seconds") ?? "0") ?? 0
        steps = try top.list("steps")
        finals = try top.list("final")
        for p in try top.objects("programs") {
            var fields: [CustomFieldDef] = []
            for d in try p.objects("custom_fields") {
                let kind = try d.object("kind")
                let k: CustomFieldKind
                switch try kind.str("type") {
                case "text": k = .text
                case "number": k = .number
                case "integer": k = .integer
                case "boolean": k = .boolean
                case "date": k = .date
                case "choice": k = .choice(options: try kind.strings("options"))
                case let other: throw fail("unknown custom field kind \(other)")
                }
                try kind.done()
                fields.append(CustomFieldDef(key: try d.str("key"), kind: k, required: try d.bool("required", false)))
                try d.done()
            }
            try book.registerProgram(program: Program(
                id: try p.str("id"), name: try p.optStr("name") ?? "",
                requiredInstruments: try p.strings("required_instruments"), customFields: fields))
            try p.done()
        }
        let specs = try top.object("actors")
        for (id, spec) in specs.obj {
            let f = try Fields(spec, "actors.\(id)")
            let roles = try f.strings("roles").map { try enumValue($0, Role.self) }
            actors[id] = Actor(id: id, roles: roles, programs: try f.strings("programs"))
            try f.done()
        }
        try top.done()
    }

    func run() throws -> JSON {
        for (idx, raw) in steps.enumerated() {
            do {
                try step(raw)
            } catch let e as CaseKitError {
                throw fail("steps[\(idx)]: unexpected \(e.code()): \(e)")
            } catch {
                throw fail("steps[\(idx)]: \(error)")
            }
        }
        var cases: [JSON] = []
        for (idx, f) in finals.enumerated() {
            cases.append(try snapshot(f, "final[\(idx)]"))
        }
        return .object(["name": .string(name), "cases": .array(cases)], ["name", "cases"])
    }

    private func resolve(_ v: JSON) throws -> JSON {
        switch v {
        case let .string(s):
            if s.hasPrefix("$"), isName(s.dropFirst()) {
                guard let id = saved[String(s.dropFirst())] else { throw fail("unknown reference \(s)") }
                return .string(id)
            }
            return v
        case let .array(items):
            return .array(try items.map { try resolve($0) })
        case let .object(fields, keys):
            var out: [String: JSON] = [:]
            for (k, x) in fields {
                out[k] = try resolve(x)
            }
            return .object(out, keys)
        default:
            return v
        }
    }

    private func actor(_ f: Fields) throws -> Actor {
        let id = try f.str("actor")
        guard let a = actors[id] else { throw fail("unknown actor \"\(id)\"") }
        return a
    }

    private func expectations(_ f: Fields, _ allowed: [String]) throws -> [String: JSON] {
        guard let e = f.opt("expect") else { return [:] }
        guard case let .object(o, _) = e else { throw fail("expect must be an object") }
        if let k = o.keys.sorted().first(where: { !allowed.contains($0) }) { throw fail("unknown key \"\(k)\" in expect") }
        if o["error"] != nil, let k = o.keys.sorted().first(where: { $0 != "error" && $0 != "field" }) {
            throw fail("expect.\(k) cannot be checked on a step that must fail")
        }
        if o["field"] != nil && o["error"] == nil { throw fail("expect.field needs expect.error") }
        return o
    }

    /// Runs `call`; checks it failed as `expect.error` says, or succeeded.
    private func outcome<T>(_ expect: [String: JSON], _ call: () throws -> T) throws -> T? {
        var want: String? = nil
        if let e = expect["error"] {
            guard case let .string(s) = e else { throw fail("expect.error must be a code") }
            want = s
        }
        var field: String? = nil
        if let f = expect["field"] {
            guard case let .string(s) = f else { throw fail("expect.field must be a string") }
            field = s
        }
        let result: T
        do {
            result = try call()
        } catch let e as CaseKitError {
            guard let want = want else { throw fail("unexpected error \(e.code()): \(e)") }
            if e.code() != want { throw fail("expected error \(want), got \(e.code()): \(e)") }
            if let field = field, e.fieldName() != field {
                throw fail("expected field \"\(field)\", got \"\(e.fieldName() ?? "none")\"")
            }
            return nil
        }
        if let want = want { throw fail("expected error \(want), but the step succeeded") }
        return result
    }

    private func same(_ what: String, _ expected: JSON, _ actual: JSON) throws {
        if compareJSON(expected, actual, subset: false) != nil {
            throw fail("expected \(what) \(writeJSON(expected)), got \(writeJSON(actual))")
        }
    }

    private func strings(_ list: [String]) -> JSON {
        .array(list.map { .string($0) })
    }

    private func step(_ raw: JSON) throws {
        guard case let .object(fields, keys) = raw else { throw fail("a step must be an object") }
        let kinds = ["command", "batch", "get", "list", "history", "verify", "advance_seconds"].filter { fields[$0] != nil }
        guard kinds.count == 1 else { throw fail("a step needs exactly one kind; found \(kinds)") }
        var rest = fields
        rest["comment"] = nil
        let f = try Fields(try resolve(.object(rest, keys.filter { $0 != "comment" })), "step")
        switch kinds[0] {
        case "command": try command(f)
        case "batch": try batch(f)
        case "get": try get(f)
        case "list": try list(f)
        case "history": try history(f)
        case "verify": try verify(f)
        default:
            guard let t = try f.optNumber("advance_seconds"), let secs = Int64(t) else {
                throw fail("advance_seconds must be a whole number")
            }
            try clock.advance(seconds: secs)
        }
        try f.done()
    }

    private func command(_ f: Fields) throws {
        let ex = try expectations(f, ["phase", "version", "events", "error", "field"])
        let who = try actor(f)
        let caseId = try f.optStr("case")
        let ev = try f.optUInt64("expected_version")
        let save = try saveName(f)
        let cmd = try f.object("command")
        let typed = try commandOf(cmd)
        try cmd.done()
        try clock.advance(seconds: tick)
        let done = try outcome(ex) { try dispatch(book, who, caseId, typed, ev) }
        guard let committed = done else {
            if save != nil { throw fail("a failing step has nothing to save") }
            return
        }
        committedEvents += committed.events.count
        try checkCommitted(ex, committed)
        if let s = save {
            guard let id = committed.createdId else { throw fail("nothing to save as \(s): the command created no record") }
            saved[s] = id
        }
    }

    /// One `executeBatch` call (one transaction) with every item, at one instant.
    private func batch(_ f: Fields) throws {
        let ex = try expectations(f, ["results", "summary", "error", "field"])
        let who = try actor(f)
        guard case let .array(raw)? = f.opt("batch") else { throw fail("batch must be an array of items") }
        var items: [BatchItem] = []
        var saves: [String?] = []
        for (idx, entry) in raw.enumerated() {
            let item = try Fields(entry, "batch[\(idx)]")
            let caseId = try item.optStr("case")
            let ev = try item.optUInt64("expected_version")
            saves.append(try saveName(item))
            let cmd = try item.object("command")
            items.append(BatchItem(caseId: caseId, command: try commandOf(cmd), expectedVersion: ev))
            try cmd.done()
            try item.done()
        }
        var results: [[String: JSON]]? = nil
        if let r = ex["results"] {
            guard case let .array(list) = r else { throw fail("expect.results must be an array") }
            if list.count != items.count { throw fail("expect.results has \(list.count) entries for \(items.count) items") }
            var checked: [[String: JSON]] = []
            for (idx, e) in list.enumerated() {
                guard case let .object(o, _) = e else { throw fail("expect.results[\(idx)] must be an object") }
                if let k = o.keys.sorted().first(where: { !committedExpectations.contains($0) }) {
                    throw fail("unknown key \"\(k)\" in expect.results[\(idx)]")
                }
                checked.append(o)
            }
            results = checked
        }
        if let want = ex["summary"] {
            if ex["error"] != nil { throw fail("expect.summary cannot be checked on a step that must fail") }
            if results != nil || saves.contains(where: { $0 != nil }) {
                throw fail("expect.summary: a summarised batch answers no results and saves nothing")
            }
            let wanted = try summaryExpectations(want)
            try clock.advance(seconds: tick)
            guard let summary = try outcome(ex, { try book.executeBatchSummary(actor: who, items: items) }) else { return }
            committedEvents += Int(summary.events)
            try checkSummary(wanted, summary, items.count)
            return
        }
        try clock.advance(seconds: tick)
        guard let done = try outcome(ex, { try book.executeBatch(actor: who, items: items) }) else {
            if saves.contains(where: { $0 != nil }) { throw fail("a failing step has nothing to save") }
            return
        }
        if done.count != items.count { throw fail("\(items.count) items, but \(done.count) results") }
        committedEvents += done.reduce(0) { $0 + $1.events.count }
        for (idx, e) in (results ?? []).enumerated() {
            do {
                try checkCommitted(e, done[idx])
            } catch {
                throw fail("results[\(idx)]: \(error)")
            }
        }
        for (idx, name) in saves.enumerated() {
            guard let name = name else { continue }
            guard let id = done[idx].createdId else {
                throw fail("batch[\(idx)]: nothing to save as \(name): the command created no record")
            }
            saved[name] = id
        }
    }

    /// `expect.summary`, checked before the batch runs.
    private func summaryExpectations(_ want: JSON) throws -> [String: JSON] {
        guard case let .object(o, _) = want else { throw fail("expect.summary must be an object") }
        if let k = o.keys.sorted().first(where: { !["commands", "events", "cases"].contains($0) }) {
            throw fail("unknown key \"\(k)\" in expect.summary")
        }
        return o
    }

    /// A summarised batch's answer: the counts expected, one command an item whatever they
    /// say, and log positions present exactly when there are events, one for each (a
    /// batch's positions are consecutive).
    private func checkSummary(_ ex: [String: JSON], _ summary: BatchSummary, _ items: Int) throws {
        if let c = ex["commands"] { try same("summary.commands", c, .number(String(summary.commands))) }
        if let e = ex["events"] { try same("summary.events", e, .number(String(summary.events))) }
        if let c = ex["cases"] { try same("summary.cases", c, .number(String(summary.cases))) }
        if summary.commands != UInt64(items) { throw fail("\(items) items, but a summary of \(summary.commands) commands") }
        let spans: Bool
        if summary.events > 0, let first = summary.firstPosition, let last = summary.lastPosition {
            spans = last >= first && last - first == summary.events - 1
        } else {
            spans = summary.events == 0 && summary.firstPosition == nil && summary.lastPosition == nil
        }
        if !spans { throw fail("summary positions do not span its events one for one: \(summary)") }
    }

    /// The phase, version and events expectations of a command step or of one batch result.
    private func checkCommitted(_ ex: [String: JSON], _ committed: Committed) throws {
        if let p = ex["phase"] { try same("phase", p, .string(wire(committed.phase))) }
        if let v = ex["version"] { try same("version", v, .number(String(committed.version))) }
        if let e = ex["events"] { try same("events", e, strings(committed.events.map { $0.eventType })) }
    }

    private func saveName(_ f: Fields) throws -> String? {
        let save = try f.optStr("save")
        if let s = save, !isName(Substring(s)) { throw fail("save must be a name") }
        return save
    }

    private func get(_ f: Fields) throws {
        let ex = try expectations(f, ["error", "match"])
        let who = try actor(f)
        let id = try f.str("get")
        guard let view = try outcome(ex, { try book.get(actor: who, caseId: id) }) else { return }
        if view.id != id { throw fail("get returned case \(view.id)") }
        if let m = ex["match"], let d = compareJSON(m, try JSONParser.parse(try book.getJson(actor: who, caseId: id)), subset: true) {
            throw fail("view: \(d)")
        }
    }

    private func list(_ f: Fields) throws {
        let ex = try expectations(f, ["cases", "count", "next_cursor", "error", "field"])
        let who = try actor(f)
        let q = try f.object("list")
        let query = try caseQuery(q)
        try q.done()
        guard let page = try outcome(ex, { try book.list(actor: who, query: query) }) else { return }
        if let c = ex["cases"] { try same("cases", c, strings(page.items.map { $0.caseId })) }
        if let n = ex["count"] { try same("count", n, .number(String(page.items.count))) }
        if let c = ex["next_cursor"] { try same("next_cursor", c, page.nextCursor.map { .string($0) } ?? .null) }
    }

    private func history(_ f: Fields) throws {
        let ex = try expectations(f, ["count", "types", "redacted", "match", "error"])
        let who = try actor(f)
        let id = try f.str("history")
        guard let events = try outcome(ex, { try book.history(actor: who, caseId: id) }) else { return }
        if let n = ex["count"] { try same("count", n, .number(String(events.count))) }
        if let t = ex["types"] { try same("types", t, strings(events.map { $0.eventType })) }
        if let r = ex["redacted"] { try same("redacted", r, .number(String(events.filter { $0.redacted }.count))) }
        if let m = ex["match"], let d = compareJSON(m, try JSONParser.parse(try book.historyJson(actor: who, caseId: id)), subset: true) {
            throw fail("history: \(d)")
        }
    }

    private func verify(_ f: Fields) throws {
        let ex = try expectations(f, ["valid", "events_checked", "error"])
        let who = try actor(f)
        let id = try f.str("verify")
        guard let report = try outcome(ex, { try book.verify(actor: who, caseId: id) }) else { return }
        if let v = ex["valid"] { try same("valid", v, .bool(report.valid)) }
        if let n = ex["events_checked"] { try same("events_checked", n, .number(String(report.eventsChecked))) }
    }

    private func snapshot(_ raw: JSON, _ what: String) throws -> JSON {
        let f = try Fields(raw, what)
        guard case let .string(id) = try resolve(.string(try f.str("case"))) else { throw fail("\(what): bad case") }
        let actorName = try f.str("actor")
        guard let who = actors[actorName] else { throw fail("\(what): unknown actor \"\(actorName)\"") }
        try f.done()
        let view = try book.get(actor: who, caseId: id)
        let history = try book.history(actor: who, caseId: id)
        let viewJSON = try JSONParser.parse(try book.getJson(actor: who, caseId: id))
        let historyJSON = try JSONParser.parse(try book.historyJson(actor: who, caseId: id))
        guard case let .array(items) = historyJSON, items.count == history.count else {
            throw fail("\(what): typed history has \(history.count) events")
        }
        guard case let .object(vf, _) = viewJSON,
              vf["version"].flatMap({ compareJSON($0, .number(String(view.version)), subset: false) }) == nil,
              vf["phase"] == .string(wire(view.phase))
        else { throw fail("\(what): typed view differs from its JSON") }
        for (idx, e) in history.enumerated() {
            guard case let .object(ef, _) = items[idx], let event = ef["event"],
                  compareJSON(event, try JSONParser.parse(e.eventJson), subset: false) == nil,
                  ef["hash"] == .string(e.hash),
                  variantName(e.event) == e.eventType
            else { throw fail("\(what): typed event \(idx) differs from its JSON") }
        }
        return .object(
            ["case": .string(id), "actor": .string(actorName), "view": viewJSON, "history": historyJSON],
            ["case", "actor", "view", "history"])
    }
}

func replay(_ path: String, expectedDir: String, open: (ManualClock) throws -> Casebook) -> String? {
    do {
        let scenario = try JSONParser.parse(try String(contentsOfFile: path, encoding: .utf8))
        guard case let .object(top, _) = scenario, case let .string(start)? = top["start"] else { return "missing start" }
        let clock = try ManualClock(start: start)
        let book = try open(clock)
        let counter = EventCounter()
        let subscription = book.subscribe(listener: counter)
        defer { _ = book.unsubscribe(subscription: subscription) }
        let run = try ScenarioRun(scenario, book: book, clock: clock)
        let stem = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        if run.name != stem { return "name \(run.name) is not the file stem" }
        let snapshot = try run.run()
        let expected = try JSONParser.parse(try String(contentsOfFile: "\(expectedDir)/\(run.name).json", encoding: .utf8))
        if let d = compareJSON(expected, snapshot, subset: false) { return "snapshot differs: \(d)" }
        if counter.count != run.committedEvents {
            return "listener saw \(counter.count) events, commands committed \(run.committedEvents)"
        }
        return nil
    } catch let e as CaseKitError {
        return "unexpected \(e.code()): \(e)"
    } catch {
        return "\(error)"
    }
}

@main
struct ScenarioRunner {
    static func main() throws {
        let args = CommandLine.arguments
        let dir = args.count > 1 ? args[1] : "tests/scenarios"
        let scratch = args.count > 2 ? args[2] : NSTemporaryDirectory()
        let names = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".json") }.sorted()
        if names.isEmpty {
            print("no scenarios in \(dir)")
            exit(1)
        }
        var passed = 0
        var failed = 0
        for file in names {
            let stem = (file as NSString).deletingPathExtension
            let db = "\(scratch)/swift-\(stem).db"
            for suffix in ["", "-wal", "-shm"] {
                try? FileManager.default.removeItem(atPath: db + suffix)
            }
            var problems: [String] = []
            if let p = replay("\(dir)/\(file)", expectedDir: "\(dir)/expected", open: { Casebook.inMemory(clock: $0, sequentialIds: true) }) {
                problems.append("memory: \(p)")
            }
            if let p = replay("\(dir)/\(file)", expectedDir: "\(dir)/expected", open: { try Casebook.open(path: db, clock: $0, sequentialIds: true) }) {
                problems.append("sqlite: \(p)")
            }
            if problems.isEmpty {
                passed += 1
                print("PASS \(stem) (memory, sqlite)")
            } else {
                failed += 1
                print("FAIL \(stem): \(problems.joined(separator: "; "))")
            }
        }
        // A Rust panic arrives as an error, never as a crash.
        do {
            try panicForTests(message: "boom")
            failed += 1
            print("FAIL api: panicForTests did not throw")
        } catch CaseKitError.Storage(let detail) where detail.contains("internal error") {
            passed += 1
            print("PASS api: a Rust panic arrives as CaseKitError.Storage")
        } catch {
            failed += 1
            print("FAIL api: panicForTests threw \(error)")
        }
        print("\(passed) passed, \(failed) failed")
        exit(failed == 0 ? 0 : 1)
    }
}
