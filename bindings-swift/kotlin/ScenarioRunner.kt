// Replays every conformance scenario (tests/scenarios/*.json, format in tests/README.md)
// through the generated Kotlin API — one typed method per command, typed records — on an
// in-memory store and on a SQLite file, checks every step's expectations, and compares
// the final snapshot with tests/scenarios/expected/<name>.json as parsed JSON.
//
// Usage: ScenarioRunner <tests/scenarios dir> [scratch dir for SQLite files]
// Prints one line per scenario, then the API checks (ApiChecks.kt), then
// "N passed, N failed"; exits 1 on any failure.
package casekit.conformance

import casekit.*
import java.io.File
import kotlin.system.exitProcess

/** A failure of the scenario (or of the runner reading it): names the step. */
class Failure(message: String) : Exception(message)

fun fail(msg: String): Nothing = throw Failure(msg)

/** A JSON object whose fields are taken one by one; `done()` refuses any left over, as
 * casekit's `deny_unknown_fields` does for commands and queries. */
class Fields(private val obj: Map<String, Json>, private val what: String) {
    private val taken = HashSet<String>()

    private fun raw(k: String): Json? {
        taken.add(k)
        return obj[k]
    }

    fun has(k: String) = obj.containsKey(k)

    fun opt(k: String): Json? = raw(k)?.takeIf { it != Json.Null }

    fun req(k: String): Json = opt(k) ?: fail("$what: missing field \"$k\"")

    fun str(k: String): String = (req(k) as? Json.Str)?.value ?: fail("$what.$k must be a string")

    fun optStr(k: String): String? = opt(k)?.let { (it as? Json.Str)?.value ?: fail("$what.$k must be a string") }

    fun bool(k: String, default: Boolean? = null): Boolean {
        val v = opt(k) ?: return default ?: fail("$what: missing field \"$k\"")
        return (v as? Json.Bool)?.value ?: fail("$what.$k must be true or false")
    }

    fun num(k: String): Json.Num = req(k) as? Json.Num ?: fail("$what.$k must be a number")

    fun optNum(k: String): Json.Num? = opt(k)?.let { it as? Json.Num ?: fail("$what.$k must be a number") }

    fun double(k: String): Double = num(k).decimal.toDouble()

    fun optDouble(k: String): Double? = optNum(k)?.decimal?.toDouble()

    fun optUInt(k: String): UInt? = optNum(k)?.let { it.decimal.intValueExact().toUInt() }

    fun uLong(k: String): ULong = num(k).decimal.toBigIntegerExact().toString().toULong()

    fun objOf(k: String): Fields = Fields((req(k) as? Json.Obj)?.fields ?: fail("$what.$k must be an object"), "$what.$k")

    fun optObj(k: String): Fields? =
        opt(k)?.let { Fields((it as? Json.Obj)?.fields ?: fail("$what.$k must be an object"), "$what.$k") }

    fun list(k: String): List<Json> {
        val v = opt(k) ?: return emptyList()
        return (v as? Json.Arr)?.items ?: fail("$what.$k must be an array")
    }

    fun strings(k: String): List<String> = list(k).map { (it as? Json.Str)?.value ?: fail("$what.$k: strings only") }

    fun objects(k: String): List<Fields> =
        list(k).mapIndexed { i, it -> Fields((it as? Json.Obj)?.fields ?: fail("$what.$k[$i] must be an object"), "$what.$k[$i]") }

    /** A JSON object field handed to casekit as JSON text. */
    fun jsonText(k: String): String? = opt(k)?.let { if (it is Json.Obj) Json.write(it) else fail("$what.$k must be an object") }

    fun <T> map(k: String, f: (Json) -> T): Map<String, T> {
        val v = opt(k) ?: return emptyMap()
        val o = (v as? Json.Obj)?.fields ?: fail("$what.$k must be an object")
        return o.mapValues { f(it.value) }
    }

    fun done() {
        obj.keys.firstOrNull { it !in taken }?.let { fail("$what: unknown field \"$it\"") }
    }
}

/** casekit's snake_case names <-> the generated SHOUTY_SNAKE enum constants. */
inline fun <reified T : Enum<T>> enumOf(s: String): T =
    enumValues<T>().firstOrNull { it.name == s.uppercase() } ?: fail("unknown ${T::class.simpleName} \"$s\"")

fun Enum<*>.wire(): String = name.lowercase()

fun <T> Fields.use(block: (Fields) -> T): T = block(this).also { done() }

// -- Command JSON -> typed method calls ----------------------------------------------------

fun clientDetails(f: Fields) = ClientDetails(
    name = f.str("name"),
    dateOfBirth = f.optStr("date_of_birth"),
    gender = f.optStr("gender"),
    address = f.optStr("address"),
    phone = f.optStr("phone"),
    email = f.optStr("email"),
    language = f.optStr("language"),
    householdSize = f.optUInt("household_size"),
    monthlyIncome = f.optDouble("monthly_income"),
    externalRef = f.optStr("external_ref"),
    consents = consents(f),
)

fun consents(f: Fields) = f.objects("consents").map { Consent(it.str("scope"), it.bool("granted"), it.optStr("date")) }

fun clientUpdate(f: Fields) = ClientUpdate(
    name = f.optStr("name"),
    dateOfBirth = f.optStr("date_of_birth"),
    gender = f.optStr("gender"),
    address = f.optStr("address"),
    phone = f.optStr("phone"),
    email = f.optStr("email"),
    language = f.optStr("language"),
    householdSize = f.optUInt("household_size"),
    monthlyIncome = f.optDouble("monthly_income"),
    externalRef = f.optStr("external_ref"),
    consents = consents(f),
)

fun measure(f: Fields) = Measure(
    name = f.str("name"),
    unit = f.optStr("unit"),
    baseline = f.optDouble("baseline"),
    target = f.double("target"),
    direction = enumOf<Direction>(f.str("direction")),
)

/** A command's JSON form as the typed `Command`: what `executeBatch` takes, and what
 * `dispatch` hands to the command's typed method. */
fun commandOf(cmd: Fields): Command = when (val type = cmd.str("type")) {
    "open_case" -> Command.OpenCase(
        program = cmd.str("program"),
        client = clientDetails(cmd.objOf("client")),
        clientId = cmd.optStr("client_id"),
        caseId = cmd.optStr("case_id"),
        priority = cmd.optStr("priority")?.let { enumOf<Priority>(it) },
        tags = cmd.strings("tags"),
        assignTo = cmd.optStr("assign_to"),
        customFieldsJson = cmd.jsonText("custom_fields"),
    )
    "complete_intake" -> Command.CompleteIntake(
        eligible = cmd.bool("eligible"),
        immediateNeeds = cmd.objects("immediate_needs").map {
            it.use { n -> ImmediateNeedInput(n.str("category"), n.optStr("description") ?: "") }
        },
    )
    "record_assessment" -> {
        val inst = cmd.objOf("instrument")
        Command.RecordAssessment(
            instrument = InstrumentRef(inst.str("id"), inst.str("version")),
            responsesJson = cmd.jsonText("responses") ?: fail("record_assessment needs responses"),
            scores = cmd.map("scores") { (it as? Json.Num)?.decimal?.toDouble() ?: fail("scores are numbers") },
            bands = cmd.map("bands") { (it as? Json.Str)?.value ?: fail("bands are strings") },
            riskFlags = cmd.strings("risk_flags"),
            identifiedNeeds = cmd.objects("identified_needs").map {
                it.use { n -> IdentifiedNeedInput(n.str("domain"), n.optStr("description") ?: "", n.optStr("severity")) }
            },
        )
    }
    "complete_assessment" -> Command.CompleteAssessment(summary = cmd.optStr("summary"))
    "activate_plan" -> Command.ActivatePlan
    "start_reassessment" -> Command.StartReassessment(reason = cmd.str("reason"))
    "close" -> Command.Close(reason = enumOf<ClosureReason>(cmd.str("reason")), summary = cmd.str("summary"))
    "reopen" -> Command.Reopen(reason = cmd.str("reason"))
    "update_client" -> Command.UpdateClient(changes = clientUpdate(cmd.objOf("changes")))
    "assign_worker" -> Command.AssignWorker(
        worker = cmd.str("worker"),
        role = cmd.optStr("role")?.let { enumOf<AssignmentRole>(it) },
    )
    "unassign_worker" -> Command.UnassignWorker(worker = cmd.str("worker"))
    "add_note" -> Command.AddNote(
        text = cmd.str("text"),
        kind = cmd.optStr("kind")?.let { enumOf<NoteKind>(it) },
        confidential = cmd.bool("confidential", false),
    )
    "attach_document" -> Command.AttachDocument(
        name = cmd.str("name"),
        mediaType = cmd.str("media_type"),
        sha256 = cmd.str("sha256"),
        sizeBytes = cmd.uLong("size_bytes"),
        category = cmd.optStr("category"),
    )
    "refer_out" -> Command.ReferOut(
        organization = cmd.str("organization"),
        service = cmd.optStr("service"),
        reason = cmd.str("reason"),
    )
    "update_referral" -> Command.UpdateReferral(
        referralId = cmd.str("referral_id"),
        status = enumOf<ReferralStatus>(cmd.str("status")),
    )
    "transfer" -> Command.Transfer(
        toProgram = cmd.optStr("to_program"),
        toWorker = cmd.optStr("to_worker"),
        reason = cmd.str("reason"),
    )
    "add_task" -> Command.AddTask(
        taskId = cmd.optStr("task_id"),
        title = cmd.str("title"),
        due = cmd.optStr("due"),
        assignee = cmd.optStr("assignee"),
    )
    "complete_task" -> Command.CompleteTask(taskId = cmd.str("task_id"))
    "cancel_task" -> Command.CancelTask(taskId = cmd.str("task_id"), reason = cmd.str("reason"))
    "reassign_task" -> Command.ReassignTask(taskId = cmd.str("task_id"), assignee = cmd.str("assignee"))
    "set_task_due" -> {
        if (!cmd.has("due")) fail("set_task_due needs \"due\" (null clears it)")
        Command.SetTaskDue(taskId = cmd.str("task_id"), due = cmd.optStr("due"))
    }
    "set_priority" -> Command.SetPriority(priority = enumOf<Priority>(cmd.str("priority")))
    "add_tag" -> Command.AddTag(tag = cmd.str("tag"))
    "remove_tag" -> Command.RemoveTag(tag = cmd.str("tag"))
    "place_on_hold" -> Command.PlaceOnHold(reason = cmd.str("reason"), until = cmd.optStr("until"))
    "resume" -> Command.Resume
    "set_custom_fields" -> Command.SetCustomFields(
        valuesJson = cmd.jsonText("values") ?: fail("set_custom_fields needs values"),
    )
    "add_goal" -> Command.AddGoal(
        goalId = cmd.optStr("goal_id"),
        description = cmd.str("description"),
        domain = cmd.str("domain"),
        needId = cmd.optStr("need_id"),
        measure = cmd.optObj("measure")?.let { measure(it) },
        due = cmd.optStr("due"),
    )
    "evaluate_goals" -> Command.EvaluateGoals(
        evaluations = cmd.objects("evaluations").map {
            it.use { e -> GoalEvaluation(e.str("goal_id"), enumOf<GoalStatus>(e.str("status"))) }
        },
    )
    "add_service" -> Command.AddService(
        serviceId = cmd.optStr("service_id"),
        name = cmd.str("name"),
        provider = cmd.str("provider"),
        goalId = cmd.optStr("goal_id"),
        start = cmd.optStr("start"),
        end = cmd.optStr("end"),
        frequency = cmd.optStr("frequency"),
    )
    "set_service_status" -> Command.SetServiceStatus(
        serviceId = cmd.str("service_id"),
        status = enumOf<ServiceStatus>(cmd.str("status")),
        reason = cmd.optStr("reason"),
    )
    "record_service_delivery" -> Command.RecordServiceDelivery(
        serviceId = cmd.str("service_id"),
        deliveredOn = cmd.str("delivered_on"),
        units = cmd.optDouble("units"),
        note = cmd.optStr("note"),
    )
    "record_outcome" -> Command.RecordOutcome(
        goalId = cmd.str("goal_id"),
        value = cmd.double("value"),
        measuredOn = cmd.str("measured_on"),
        note = cmd.optStr("note"),
    )
    else -> fail("unknown command type \"$type\"")
}

/** Runs one command through its typed method (one per `Command` variant: the `when` is
 * exhaustive, so a new command does not compile until it is dispatched here). */
fun dispatch(book: Casebook, actor: Actor, case: String?, command: Command, ev: ULong?): Committed {
    // Typed methods take the case id as a String: a step without a case passes an empty
    // one, which the binding refuses as a validation error on `case_id` (what casekit's
    // generic entry point answers for a command without a case).
    val c = case ?: ""
    return when (command) {
        is Command.OpenCase -> book.openCase(
            actor,
            program = command.program,
            client = command.client,
            clientId = command.clientId,
            caseId = command.caseId,
            priority = command.priority,
            tags = command.tags,
            assignTo = command.assignTo,
            customFieldsJson = command.customFieldsJson,
        )
        is Command.CompleteIntake -> book.completeIntake(
            actor, c, eligible = command.eligible, immediateNeeds = command.immediateNeeds, expectedVersion = ev,
        )
        is Command.RecordAssessment -> book.recordAssessment(
            actor, c,
            instrument = command.instrument,
            responsesJson = command.responsesJson,
            scores = command.scores,
            bands = command.bands,
            riskFlags = command.riskFlags,
            identifiedNeeds = command.identifiedNeeds,
            expectedVersion = ev,
        )
        is Command.CompleteAssessment -> book.completeAssessment(actor, c, summary = command.summary, expectedVersion = ev)
        is Command.ActivatePlan -> book.activatePlan(actor, c, expectedVersion = ev)
        is Command.StartReassessment -> book.startReassessment(actor, c, reason = command.reason, expectedVersion = ev)
        is Command.Close -> book.close(actor, c, reason = command.reason, summary = command.summary, expectedVersion = ev)
        is Command.Reopen -> book.reopen(actor, c, reason = command.reason, expectedVersion = ev)
        is Command.UpdateClient -> book.updateClient(actor, c, changes = command.changes, expectedVersion = ev)
        is Command.AssignWorker -> book.assignWorker(actor, c, worker = command.worker, role = command.role, expectedVersion = ev)
        is Command.UnassignWorker -> book.unassignWorker(actor, c, worker = command.worker, expectedVersion = ev)
        is Command.AddNote -> book.addNote(
            actor, c, text = command.text, kind = command.kind, confidential = command.confidential, expectedVersion = ev,
        )
        is Command.AttachDocument -> book.attachDocumentMetadata(
            actor, c,
            name = command.name,
            mediaType = command.mediaType,
            sha256 = command.sha256,
            sizeBytes = command.sizeBytes,
            category = command.category,
            expectedVersion = ev,
        )
        is Command.ReferOut -> book.referOut(
            actor, c, organization = command.organization, service = command.service, reason = command.reason, expectedVersion = ev,
        )
        is Command.UpdateReferral -> book.updateReferral(
            actor, c, referralId = command.referralId, status = command.status, expectedVersion = ev,
        )
        is Command.Transfer -> book.transfer(
            actor, c, toProgram = command.toProgram, toWorker = command.toWorker, reason = command.reason, expectedVersion = ev,
        )
        is Command.AddTask -> book.addTask(
            actor, c, taskId = command.taskId, title = command.title, due = command.due, assignee = command.assignee, expectedVersion = ev,
        )
        is Command.CompleteTask -> book.completeTask(actor, c, taskId = command.taskId, expectedVersion = ev)
        is Command.CancelTask -> book.cancelTask(actor, c, taskId = command.taskId, reason = command.reason, expectedVersion = ev)
        is Command.ReassignTask -> book.reassignTask(actor, c, taskId = command.taskId, assignee = command.assignee, expectedVersion = ev)
        is Command.SetTaskDue -> book.setTaskDue(actor, c, taskId = command.taskId, due = command.due, expectedVersion = ev)
        is Command.SetPriority -> book.setPriority(actor, c, priority = command.priority, expectedVersion = ev)
        is Command.AddTag -> book.addTag(actor, c, tag = command.tag, expectedVersion = ev)
        is Command.RemoveTag -> book.removeTag(actor, c, tag = command.tag, expectedVersion = ev)
        is Command.PlaceOnHold -> book.placeOnHold(actor, c, reason = command.reason, until = command.until, expectedVersion = ev)
        is Command.Resume -> book.resume(actor, c, expectedVersion = ev)
        is Command.SetCustomFields -> book.setCustomFields(actor, c, valuesJson = command.valuesJson, expectedVersion = ev)
        is Command.AddGoal -> book.addGoal(
            actor, c,
            goalId = command.goalId,
            description = command.description,
            domain = command.domain,
            needId = command.needId,
            measure = command.measure,
            due = command.due,
            expectedVersion = ev,
        )
        is Command.EvaluateGoals -> book.evaluateGoals(actor, c, evaluations = command.evaluations, expectedVersion = ev)
        is Command.AddService -> book.addService(
            actor, c,
            serviceId = command.serviceId,
            name = command.name,
            provider = command.provider,
            goalId = command.goalId,
            start = command.start,
            end = command.end,
            frequency = command.frequency,
            expectedVersion = ev,
        )
        is Command.SetServiceStatus -> book.setServiceStatus(
            actor, c, serviceId = command.serviceId, status = command.status, reason = command.reason, expectedVersion = ev,
        )
        is Command.RecordServiceDelivery -> book.recordServiceDelivery(
            actor, c,
            serviceId = command.serviceId,
            deliveredOn = command.deliveredOn,
            units = command.units,
            note = command.note,
            expectedVersion = ev,
        )
        is Command.RecordOutcome -> book.recordOutcome(
            actor, c, goalId = command.goalId, value = command.value, measuredOn = command.measuredOn, note = command.note,
            expectedVersion = ev,
        )
    }
}

/** Everything a list step may filter on, as the typed query record. */
fun caseQuery(f: Fields) = CaseQuery(
    phase = f.optStr("phase")?.let { enumOf<Phase>(it) },
    program = f.optStr("program"),
    assignee = f.optStr("assignee"),
    clientId = f.optStr("client_id"),
    priority = f.optStr("priority")?.let { enumOf<Priority>(it) },
    tag = f.optStr("tag"),
    dueBefore = f.optStr("due_before"),
    onHold = f.opt("on_hold")?.let { (it as? Json.Bool)?.value ?: fail("on_hold must be true or false") },
    openedFrom = f.optStr("opened_from"),
    openedTo = f.optStr("opened_to"),
    closedFrom = f.optStr("closed_from"),
    closedTo = f.optStr("closed_to"),
    text = f.optStr("text"),
    after = f.optStr("after"),
    limit = f.optUInt("limit"),
)

// -- The runner ----------------------------------------------------------------------------

private val NAME = Regex("^[A-Za-z_][A-Za-z0-9_]*$")

/** What a command step, or one result of a batch step, may expect of a `Committed`. */
private val COMMITTED_EXPECTATIONS = setOf("phase", "version", "events")

class ScenarioRun(private val scenario: Json.Obj, private val book: Casebook, private val clock: ManualClock) {
    private val top = Fields(scenario.fields, "scenario")
    val name = top.str("name")
    private val tick = top.optNum("tick_seconds")?.decimal?.longValueExact() ?: 0L
    private val actors = HashMap<String, Actor>()
    private val saved = HashMap<String, String>()
    var committedEvents = 0L
        private set

    init {
        top.optStr("description")
        top.str("start")
        for (p in top.objects("programs")) book.registerProgram(program(p))
        val actorSpecs = (top.req("actors") as? Json.Obj)?.fields ?: fail("actors must be an object")
        for ((id, spec) in actorSpecs) {
            val f = Fields((spec as? Json.Obj)?.fields ?: fail("actor $id must be an object"), "actors.$id")
            actors[id] = Actor(id, f.strings("roles").map { enumOf<Role>(it) }, f.strings("programs"))
            f.done()
        }
        top.list("steps")
        top.list("final")
        top.done()
    }

    private fun program(p: Fields): Program = p.use {
        Program(
            id = it.str("id"),
            name = it.optStr("name") ?: "",
            requiredInstruments = it.strings("required_instruments"),
            customFields = it.objects("custom_fields").map { f ->
                f.use { d ->
                    val kind = d.objOf("kind")
                    val k = when (val t = kind.str("type")) {
                        "text" -> CustomFieldKind.Text
                        "number" -> CustomFieldKind.Number
                        "integer" -> CustomFieldKind.Integer
                        "boolean" -> CustomFieldKind.Boolean
                        "date" -> CustomFieldKind.Date
                        "choice" -> CustomFieldKind.Choice(kind.strings("options"))
                        else -> fail("unknown custom field kind $t")
                    }
                    kind.done()
                    CustomFieldDef(d.str("key"), k, d.bool("required", false))
                }
            },
        )
    }

    fun run(): Json {
        val steps = (scenario.fields["steps"] as? Json.Arr)?.items ?: fail("steps must be an array")
        steps.forEachIndexed { i, raw ->
            try {
                step(raw)
            } catch (e: Failure) {
                throw Failure("steps[$i]: ${e.message}")
            } catch (e: CaseKitException) {
                throw Failure("steps[$i]: unexpected ${e.code()}: ${e.message}")
            }
        }
        val finals = (scenario.fields["final"] as? Json.Arr)?.items ?: emptyList()
        val cases = finals.mapIndexed { i, f -> snapshot(f, "final[$i]") }
        return Json.Obj(linkedMapOf("name" to Json.Str(name), "cases" to Json.Arr(cases)))
    }

    private fun resolve(v: Json): Json = when (v) {
        is Json.Str -> if (v.value.startsWith("$") && NAME.matches(v.value.substring(1))) {
            Json.Str(saved[v.value.substring(1)] ?: fail("unknown reference ${v.value}"))
        } else v
        is Json.Arr -> Json.Arr(v.items.map { resolve(it) })
        is Json.Obj -> Json.Obj(LinkedHashMap(v.fields.mapValues { resolve(it.value) }))
        else -> v
    }

    private fun actor(f: Fields): Actor = f.str("actor").let { actors[it] ?: fail("unknown actor \"$it\"") }

    private fun expect(f: Fields, allowed: Set<String>): Map<String, Json> {
        val e = f.opt("expect") ?: return emptyMap()
        val o = (e as? Json.Obj)?.fields ?: fail("expect must be an object")
        o.keys.firstOrNull { it !in allowed }?.let { fail("unknown key \"$it\" in expect") }
        if (o.containsKey("error")) o.keys.firstOrNull { it != "error" && it != "field" }?.let {
            fail("expect.$it cannot be checked on a step that must fail")
        }
        if (o.containsKey("field") && !o.containsKey("error")) fail("expect.field needs expect.error")
        return o
    }

    /** Runs `call`; checks it failed as `expect.error` says, or succeeded. */
    private fun <T> outcome(expect: Map<String, Json>, call: () -> T): T? {
        val want = expect["error"]?.let { (it as? Json.Str)?.value ?: fail("expect.error must be a code") }
        val field = expect["field"]?.let { (it as? Json.Str)?.value ?: fail("expect.field must be a string") }
        val result = try {
            call()
        } catch (e: CaseKitException) {
            if (want == null) fail("unexpected error ${e.code()}: ${e.message}")
            if (e.code() != want) fail("expected error $want, got ${e.code()}: ${e.message}")
            if (field != null && e.fieldName() != field) fail("expected field \"$field\", got \"${e.fieldName()}\"")
            return null
        }
        if (want != null) fail("expected error $want, but the step succeeded")
        return result
    }

    private fun eq(what: String, expected: Json, actual: Json) {
        jsonDiff(expected, actual)?.let { fail("expected $what $expected, got $actual") }
    }

    private fun num(n: Number) = Json.Num(n.toString())
    private fun num(n: ULong) = Json.Num(n.toString())
    private fun strs(list: List<String>) = Json.Arr(list.map { Json.Str(it) })

    private fun step(raw: Json) {
        val obj = (raw as? Json.Obj)?.fields ?: fail("a step must be an object")
        val kinds = listOf("command", "batch", "get", "list", "history", "verify", "advance_seconds").filter { obj.containsKey(it) }
        if (kinds.size != 1) fail("a step needs exactly one kind; found $kinds")
        val rest = LinkedHashMap(obj)
        rest.remove("comment")
        val f = Fields((resolve(Json.Obj(rest)) as Json.Obj).fields, "step")
        when (kinds[0]) {
            "command" -> command(f)
            "batch" -> batch(f)
            "get" -> get(f)
            "list" -> list(f)
            "history" -> history(f)
            "verify" -> verify(f)
            else -> {
                clock.advance(f.num("advance_seconds").decimal.longValueExact())
            }
        }
        f.done()
    }

    private fun command(f: Fields) {
        val ex = expect(f, setOf("phase", "version", "events", "error", "field"))
        val actor = actor(f)
        val case = f.optStr("case")
        val ev = expectedVersion(f)
        val save = saveName(f)
        val cmd = f.objOf("command")
        val command = commandOf(cmd)
        cmd.done()
        clock.advance(tick)
        val done = outcome(ex) { dispatch(book, actor, case, command, ev) }
        if (done == null) {
            if (save != null) fail("a failing step has nothing to save")
            return
        }
        committedEvents += done.events.size
        checkCommitted(ex, done)
        if (save != null) saved[save] = done.createdId ?: fail("nothing to save as $save: the command created no record")
    }

    /** One `executeBatch` call (one transaction) with every item, at one instant. */
    private fun batch(f: Fields) {
        val ex = expect(f, setOf("results", "summary", "error", "field"))
        val actor = actor(f)
        val raw = (f.req("batch") as? Json.Arr)?.items ?: fail("batch must be an array of items")
        val items = ArrayList<BatchItem>(raw.size)
        val saves = ArrayList<String?>(raw.size)
        raw.forEachIndexed { i, entry ->
            val item = Fields((entry as? Json.Obj)?.fields ?: fail("batch[$i] must be an object"), "batch[$i]")
            val case = item.optStr("case")
            val ev = expectedVersion(item)
            saves.add(saveName(item))
            val cmd = item.objOf("command")
            items.add(BatchItem(caseId = case, command = commandOf(cmd), expectedVersion = ev))
            cmd.done()
            item.done()
        }
        val results = ex["results"]?.let { r ->
            val list = (r as? Json.Arr)?.items ?: fail("expect.results must be an array")
            if (list.size != items.size) fail("expect.results has ${list.size} entries for ${items.size} items")
            list.mapIndexed { i, e ->
                val o = (e as? Json.Obj)?.fields ?: fail("expect.results[$i] must be an object")
                o.keys.firstOrNull { it !in COMMITTED_EXPECTATIONS }?.let { fail("unknown key \"$it\" in expect.results[$i]") }
                o
            }
        }
        ex["summary"]?.let { want ->
            if ("error" in ex) fail("expect.summary cannot be checked on a step that must fail")
            if (results != null || saves.any { it != null }) {
                fail("expect.summary: a summarised batch answers no results and saves nothing")
            }
            val wanted = summaryExpectations(want)
            clock.advance(tick)
            val summary = outcome(ex) { book.executeBatchSummary(actor, items) } ?: return
            committedEvents += summary.events.toLong()
            checkSummary(wanted, summary, items.size)
            return
        }
        clock.advance(tick)
        val done = outcome(ex) { book.executeBatch(actor, items) }
        if (done == null) {
            if (saves.any { it != null }) fail("a failing step has nothing to save")
            return
        }
        if (done.size != items.size) fail("${items.size} items, but ${done.size} results")
        committedEvents += done.sumOf { it.events.size.toLong() }
        results?.forEachIndexed { i, e ->
            try {
                checkCommitted(e, done[i])
            } catch (x: Failure) {
                throw Failure("results[$i]: ${x.message}")
            }
        }
        saves.forEachIndexed { i, name ->
            if (name != null) {
                saved[name] = done[i].createdId ?: fail("batch[$i]: nothing to save as $name: the command created no record")
            }
        }
    }

    /** `expect.summary`, checked before the batch runs. */
    private fun summaryExpectations(want: Json): Map<String, Json> {
        val ex = (want as? Json.Obj)?.fields ?: fail("expect.summary must be an object")
        ex.keys.firstOrNull { it !in setOf("commands", "events", "cases") }?.let { fail("unknown key \"$it\" in expect.summary") }
        return ex
    }

    /**
     * A summarised batch's answer: the counts expected, one command an item whatever they
     * say, and log positions present exactly when there are events, one for each (a
     * batch's positions are consecutive).
     */
    private fun checkSummary(ex: Map<String, Json>, summary: BatchSummary, items: Int) {
        ex["commands"]?.let { eq("summary.commands", it, num(summary.commands)) }
        ex["events"]?.let { eq("summary.events", it, num(summary.events)) }
        ex["cases"]?.let { eq("summary.cases", it, num(summary.cases)) }
        if (summary.commands != items.toULong()) fail("$items items, but a summary of ${summary.commands} commands")
        val first = summary.firstPosition
        val last = summary.lastPosition
        val spans = if (summary.events > 0uL) {
            first != null && last != null && last >= first && last - first == summary.events - 1uL
        } else {
            first == null && last == null
        }
        if (!spans) fail("summary positions do not span its events one for one: $summary")
    }

    /** The phase, version and events expectations of a command step or of one batch result. */
    private fun checkCommitted(ex: Map<String, Json>, done: Committed) {
        ex["phase"]?.let { eq("phase", it, Json.Str(done.phase.wire())) }
        ex["version"]?.let { eq("version", it, num(done.version)) }
        ex["events"]?.let { eq("events", it, strs(done.events.map { e -> e.eventType })) }
    }

    private fun expectedVersion(f: Fields): ULong? =
        f.optNum("expected_version")?.let { it.decimal.toBigIntegerExact().toString().toULong() }

    private fun saveName(f: Fields): String? =
        f.opt("save")?.let { s -> (s as? Json.Str)?.value?.takeIf { NAME.matches(it) } ?: fail("save must be a name") }

    private fun get(f: Fields) {
        val ex = expect(f, setOf("error", "match"))
        val actor = actor(f)
        val id = f.str("get")
        val view = outcome(ex) { book.get(actor, id) } ?: return
        if (view.id != id) fail("get returned case ${view.id}")
        ex["match"]?.let { m -> subsetMatch(m, Json.parse(book.getJson(actor, id)))?.let { fail("view: $it") } }
    }

    private fun list(f: Fields) {
        val ex = expect(f, setOf("cases", "count", "next_cursor", "error", "field"))
        val actor = actor(f)
        val q = f.objOf("list")
        val query = caseQuery(q)
        q.done()
        val page = outcome(ex) { book.list(actor, query) } ?: return
        ex["cases"]?.let { eq("cases", it, strs(page.items.map { s -> s.caseId })) }
        ex["count"]?.let { eq("count", it, num(page.items.size)) }
        ex["next_cursor"]?.let { eq("next_cursor", it, page.nextCursor?.let { c -> Json.Str(c) } ?: Json.Null) }
    }

    private fun history(f: Fields) {
        val ex = expect(f, setOf("count", "types", "redacted", "match", "error"))
        val actor = actor(f)
        val id = f.str("history")
        val events = outcome(ex) { book.history(actor, id) } ?: return
        ex["count"]?.let { eq("count", it, num(events.size)) }
        ex["types"]?.let { eq("types", it, strs(events.map { e -> e.eventType })) }
        ex["redacted"]?.let { eq("redacted", it, num(events.count { e -> e.redacted })) }
        ex["match"]?.let { m -> subsetMatch(m, Json.parse(book.historyJson(actor, id)))?.let { fail("history: $it") } }
    }

    private fun verify(f: Fields) {
        val ex = expect(f, setOf("valid", "events_checked", "error"))
        val actor = actor(f)
        val report = outcome(ex) { book.verify(actor, f.str("verify")) } ?: return
        ex["valid"]?.let { eq("valid", it, Json.Bool(report.valid)) }
        ex["events_checked"]?.let { eq("events_checked", it, num(report.eventsChecked)) }
    }

    private fun snapshot(raw: Json, what: String): Json {
        val f = Fields((raw as? Json.Obj)?.fields ?: fail("$what must be an object"), what)
        val id = (resolve(Json.Str(f.str("case"))) as Json.Str).value
        val actorName = f.str("actor")
        val actor = actors[actorName] ?: fail("$what: unknown actor \"$actorName\"")
        f.done()
        // The typed calls must succeed and agree with the JSON form.
        val view = book.get(actor, id)
        val history = book.history(actor, id)
        val viewJson = Json.parse(book.getJson(actor, id))
        val historyJson = Json.parse(book.historyJson(actor, id)) as Json.Arr
        if (history.size != historyJson.items.size) fail("$what: typed history has ${history.size} events")
        checkTyped(view, viewJson, history, historyJson, what)
        return Json.Obj(
            linkedMapOf(
                "case" to Json.Str(id),
                "actor" to Json.Str(actorName),
                "view" to viewJson,
                "history" to historyJson,
            ),
        )
    }
}

/** The typed records carry what the JSON form says (spot checks on every case and event). */
fun checkTyped(view: CaseView, viewJson: Json, history: List<RecordedEvent>, historyJson: Json.Arr, what: String) {
    val v = (viewJson as Json.Obj).fields
    fun same(field: String, actual: Json) {
        val expected = v[field] ?: Json.Null
        jsonDiff(expected, actual)?.let { fail("$what: typed view differs from JSON at $field: $it") }
    }
    same("id", Json.Str(view.id))
    same("version", Json.Num(view.version.toString()))
    same("phase", Json.Str(view.phase.wire()))
    same("head_hash", Json.Str(view.headHash))
    same("priority", Json.Str(view.priority.wire()))
    same("tags", Json.Arr(view.tags.map { Json.Str(it) }))
    same("custom_fields", Json.parse(view.customFieldsJson))
    same("updated_at", Json.Str(view.updatedAt))
    val counts = mapOf(
        "goals" to view.goals.size, "services" to view.services.size, "tasks" to view.tasks.size,
        "notes" to view.notes.size, "assessments" to view.assessments.size, "referrals" to view.referrals.size,
        "documents" to view.documents.size, "outcomes" to view.outcomes.size,
    )
    for ((k, n) in counts) {
        val arr = v[k] as? Json.Arr ?: fail("$what: view.$k is not an array")
        if (arr.items.size != n) fail("$what: typed view has $n $k, JSON ${arr.items.size}")
    }
    history.forEachIndexed { i, e ->
        val j = (historyJson.items[i] as Json.Obj).fields
        val event = Json.parse(e.eventJson)
        jsonDiff(j["event"] ?: Json.Null, event)?.let { fail("$what: typed event $i differs: $it") }
        checkTypedEvent(e, (event as Json.Obj).fields, "$what: event $i")
        if ((j["hash"] as? Json.Str)?.value != e.hash) fail("$what: typed event $i hash differs")
        if ((j["recorded_at"] as? Json.Str)?.value != e.recordedAt) fail("$what: typed event $i time differs")
    }
}

fun snake(camel: String): String = camel.replace(Regex("([a-z0-9])([A-Z])"), "$1_$2").lowercase()

/** The typed `Event` is the variant the JSON names, with the same key fields. */
fun checkTypedEvent(e: RecordedEvent, json: Map<String, Json>, what: String) {
    val variant = snake(e.event::class.simpleName ?: "")
    if (variant != e.eventType) fail("$what: typed event is $variant, JSON says ${e.eventType}")
    fun same(key: String, value: Any?) {
        val expected = json[key] ?: Json.Null
        val actual = when (value) {
            null -> Json.Null
            is String -> Json.Str(value)
            is Boolean -> Json.Bool(value)
            is Enum<*> -> Json.Str(value.wire())
            else -> Json.Num(value.toString())
        }
        jsonDiff(expected, actual)?.let { fail("$what: typed ${e.eventType}.$key differs: $it") }
    }
    when (val ev = e.event) {
        is Event.CaseOpened -> { same("case_id", ev.caseId); same("program", ev.program); same("priority", ev.priority) }
        is Event.NoteAdded -> { same("note_id", ev.noteId); same("kind", ev.kind); same("text", ev.text); same("confidential", ev.confidential) }
        is Event.TaskAdded -> { same("task_id", ev.taskId); same("title", ev.title); same("due", ev.due); same("assignee", ev.assignee) }
        is Event.TaskDueChanged -> { same("task_id", ev.taskId); same("due", ev.due) }
        is Event.GoalAdded -> { same("goal_id", ev.goalId); same("due", ev.due); same("need_id", ev.needId) }
        is Event.ServiceDelivered -> { same("delivery_id", ev.deliveryId); same("delivered_on", ev.deliveredOn); same("units", ev.units) }
        is Event.OutcomeRecorded -> { same("goal_id", ev.goalId); same("value", ev.value); same("measured_on", ev.measuredOn) }
        is Event.CaseClosed -> { same("reason", ev.reason); same("summary", ev.summary) }
        is Event.PlacedOnHold -> { same("reason", ev.reason); same("until", ev.until) }
        is Event.Resumed -> same("paused_seconds", ev.pausedSeconds)
        is Event.CustomFieldsSet -> jsonDiff(json["values"] ?: Json.Null, Json.parse(ev.valuesJson))?.let { fail("$what: values: $it") }
        is Event.AssessmentRecorded -> jsonDiff(json["responses"] ?: Json.Null, Json.parse(ev.responsesJson))?.let { fail("$what: responses: $it") }
        else -> {}
    }
}

/** Replays one scenario file on a fresh casebook; returns null on success, else why not. */
fun replay(file: File, expectedDir: File, open: (ManualClock) -> Casebook): String? {
    val scenario = Json.parse(file.readText()) as? Json.Obj ?: return "not a JSON object"
    val start = (scenario.fields["start"] as? Json.Str)?.value ?: return "missing start"
    val clock = ManualClock(start)
    val book = open(clock)
    val seen = java.util.concurrent.atomic.AtomicLong()
    val subscription = book.subscribe(object : EventListener {
        override fun onEvent(event: RecordedEvent) {
            seen.incrementAndGet()
        }
    })
    try {
        val run = ScenarioRun(scenario, book, clock)
        if (run.name != file.nameWithoutExtension) return "name ${run.name} is not the file stem"
        val snapshot = run.run()
        val expected = Json.parse(File(expectedDir, "${run.name}.json").readText())
        jsonDiff(expected, snapshot)?.let { return "snapshot differs: $it" }
        if (seen.get() != run.committedEvents) return "listener saw ${seen.get()} events, commands committed ${run.committedEvents}"
        return null
    } catch (e: Failure) {
        return e.message
    } catch (e: CaseKitException) {
        return "unexpected ${e.code()}: ${e.message}"
    } finally {
        book.unsubscribe(subscription)
        book.close()
        clock.close()
    }
}

fun main(args: Array<String>) {
    val dir = File(args.getOrNull(0) ?: "tests/scenarios")
    val scratch = File(args.getOrNull(1) ?: System.getProperty("java.io.tmpdir")).also { it.mkdirs() }
    val files = dir.listFiles { f -> f.isFile && f.name.endsWith(".json") }?.sortedBy { it.name } ?: emptyList()
    if (files.isEmpty()) {
        println("no scenarios in $dir")
        exitProcess(1)
    }
    var passed = 0
    var failed = 0
    for (file in files) {
        val db = File(scratch, "${file.nameWithoutExtension}.db")
        listOf("", "-wal", "-shm").forEach { File(db.path + it).delete() }
        val problems = listOfNotNull(
            replay(file, File(dir, "expected")) { clock -> Casebook.inMemory(clock, sequentialIds = true) }?.let { "memory: $it" },
            replay(file, File(dir, "expected")) { clock -> Casebook.open(db.path, clock = clock, sequentialIds = true) }
                ?.let { "sqlite: $it" },
        )
        if (problems.isEmpty()) {
            passed++
            println("PASS ${file.nameWithoutExtension} (memory, sqlite)")
        } else {
            failed++
            println("FAIL ${file.nameWithoutExtension}: ${problems.joinToString("; ")}")
        }
    }
    val (apiPassed, apiFailed) = ApiChecks(scratch).runAll()
    passed += apiPassed
    failed += apiFailed
    println("$passed passed, $failed failed")
    exitProcess(if (failed == 0) 0 else 1)
}
