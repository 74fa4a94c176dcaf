// Checks of the Kotlin API that the scenarios do not reach: panics, error fields, document
// bytes, batches, the generic entry point, the log, SQLite files across reopen and checkpoint,
// subscriptions (including a listener that throws), programs and paging.
package casekit.conformance

import casekit.*
import java.io.File

class ApiChecks(private val scratch: File) {
    private val start = "2026-03-02T08:00:00Z"
    private val sam = Actor("sam", listOf(Role.SUPERVISOR), listOf("housing"))
    private val client = ClientDetails(name = "Grace Hopper")

    private fun check(cond: Boolean, what: String) {
        if (!cond) throw Failure(what)
    }

    private inline fun <reified E : CaseKitException> expectError(what: String, call: () -> Unit): E {
        try {
            call()
        } catch (e: CaseKitException) {
            if (e is E) return e
            throw Failure("$what: expected ${E::class.simpleName}, got ${e.code()}: ${e.message}")
        }
        throw Failure("$what: expected ${E::class.simpleName}, but the call succeeded")
    }

    private fun memory(): Casebook = Casebook.inMemory(ManualClock(start), sequentialIds = true)

    private val checks: List<Pair<String, () -> Unit>> = listOf(
        "a Rust panic arrives as CaseKitException.Storage" to {
            val e = expectError<CaseKitException.Storage>("panicForTests") { panicForTests("boom") }
            check(e.code() == "storage" && e.detail.contains("internal error") && e.detail.contains("boom"), "detail: ${e.detail}")
        },
        "errors carry their code, field and versions" to {
            memory().use { book ->
                val c = book.openCase(sam, "housing", client)
                val v = expectError<CaseKitException.Validation>("bad task id") { book.completeTask(sam, c.caseId, "not-a-uuid") }
                check(v.field == "task_id" && v.fieldName() == "task_id" && v.code() == "validation", "field ${v.field}")
                val n = expectError<CaseKitException.Validation>("bad name") {
                    book.openCase(sam, "housing", ClientDetails(name = " "))
                }
                check(n.field == "client.name", "field ${n.field}")
                val k = expectError<CaseKitException.Conflict>("stale version") {
                    book.addNote(sam, c.caseId, "late", expectedVersion = 7uL)
                }
                check(k.caseId == c.caseId && k.expected == 7uL && k.actual == 1uL, "conflict $k")
                expectError<CaseKitException.NotFound>("unknown case") { book.get(sam, "00000000-0000-7000-8000-0000000000ff") }
                expectError<CaseKitException.InvalidTransition>("activate in intake") { book.activatePlan(sam, c.caseId) }
                expectError<CaseKitException.PermissionDenied>("other program") {
                    book.get(Actor("olga", listOf(Role.SUPERVISOR), listOf("legal")), c.caseId)
                }
                expectError<CaseKitException.Validation>("bad clock") { ManualClock("yesterday") }
            }
        },
        "document bytes round-trip through the blob store" to {
            memory().use { book ->
                val c = book.openCase(sam, "housing", client)
                val bytes = "lease agreement, page 1".toByteArray()
                val done = book.attachDocument(sam, c.caseId, "lease.txt", "text/plain", bytes, category = "lease")
                val doc = book.get(sam, c.caseId).documents.single()
                check(done.createdId == doc.id && doc.sizeBytes == bytes.size.toULong(), "document $doc")
                check(book.documentContent(sam, c.caseId, doc.id).contentEquals(bytes), "content differs")
            }
        },
        "batches are all or nothing; execute takes any Command" to {
            memory().use { book ->
                val id = "00000000-0000-7000-8000-00000000a001"
                val bad = listOf(
                    BatchItem(command = Command.OpenCase("housing", client, null, id, null, listOf(), null, null)),
                    BatchItem(id, Command.ActivatePlan),
                )
                expectError<CaseKitException.InvalidTransition>("bad batch") { book.executeBatch(sam, bad) }
                check(book.readLog().isEmpty(), "a refused batch left events")
                val good = listOf(
                    BatchItem(command = Command.OpenCase("housing", client, null, id, Priority.HIGH, listOf("import"), "sam", null)),
                    BatchItem(id, Command.CompleteIntake(true, listOf(ImmediateNeedInput("food")))),
                )
                val badId = listOf(BatchItem(command = Command.OpenCase("housing", client, null, "not-a-uuid", null, listOf(), null, null)))
                val decoded = expectError<CaseKitException.Validation>("bad id") { book.executeBatch(sam, badId) }
                check(decoded.fieldName() == "items[0].command.case_id", "field ${decoded.fieldName()}")
                val emptyNote = good + BatchItem(id, Command.AddNote(" ", NoteKind.GENERAL, false))
                val named = expectError<CaseKitException.Validation>("empty note") { book.executeBatch(sam, emptyNote) }
                check(named.fieldName() == "items[2].command.text", "field ${named.fieldName()}")
                val done = book.executeBatch(sam, good)
                check(done.size == 2 && done[1].phase == Phase.ASSESSMENT, "batch result $done")
                val note = book.execute(sam, id, Command.AddNote("imported", NoteKind.GENERAL, false))
                check(note.version == 3uL, "version ${note.version}")
                val log = book.readLog(afterPosition = 1uL, limit = 10u)
                check(log.map { it.position } == listOf(2uL, 3uL), "log positions ${log.map { it.position }}")
            }
        },
        "an import answers with a summary of what it wrote, all or nothing" to {
            memory().use { book ->
                val earlier = book.openCase(sam, "housing", client)
                val ids = listOf("00000000-0000-7000-8000-00000000b001", "00000000-0000-7000-8000-00000000b002")
                val items = ids.flatMap { id ->
                    listOf(
                        BatchItem(command = Command.OpenCase("housing", client, null, id, null, listOf(), null, null)),
                        BatchItem(id, Command.AddNote("imported", NoteKind.GENERAL, false)),
                    )
                }
                expectError<CaseKitException.InvalidTransition>("bad import") {
                    book.executeBatchSummary(sam, items + BatchItem(ids[0], Command.ActivatePlan))
                }
                check(book.readLog().size == 1, "a refused import left events")
                val summary = book.executeBatchSummary(sam, items)
                val log = book.readLog(afterPosition = 1uL, limit = 10u)
                val want = BatchSummary(4uL, log.size.toULong(), 2uL, log.first().position, log.last().position)
                check(summary == want && summary.firstPosition == 2uL, "summary $summary, log ${log.map { it.position }}")
                check(book.get(sam, earlier.caseId).version == 1uL, "the earlier case was touched")
            }
        },
        "a SQLite file keeps its cases across reopen" to {
            val db = File(scratch, "api-reopen.db")
            listOf("", "-wal", "-shm").forEach { File(db.path + it).delete() }
            val caseId = Casebook.open(db.path, synchronous = Synchronous.FULL).use { book ->
                check(book.storeKind() == "sqlite", "store ${book.storeKind()}")
                val c = book.openCase(sam, "housing", client, tags = listOf("file"))
                book.addNote(sam, c.caseId, "kept on disk", kind = NoteKind.CONTACT)
                c.caseId
            }
            Casebook.open(db.path).use { book ->
                val view = book.get(sam, caseId)
                check(view.version == 2uL && view.notes.single().text == "kept on disk", "reopened view $view")
                check(book.verify(sam, caseId).valid, "chain does not verify")
                val page = book.list(sam, CaseQuery(tag = "file", text = "disk"))
                check(page.items.map { it.caseId } == listOf(caseId), "list ${page.items}")
            }
        },
        "checkpoint makes the file complete on its own, to copy while the casebook is open" to {
            val db = File(scratch, "api-checkpoint.db")
            val copy = File(scratch, "api-checkpoint-copy.db")
            listOf(db, copy).forEach { f -> listOf("", "-wal", "-shm").forEach { File(f.path + it).delete() } }
            Casebook.open(db.path).use { book ->
                val c = book.openCase(sam, "housing", client)
                book.addNote(sam, c.caseId, "copied with the file")
                val wal = File(db.path + "-wal")
                check(wal.length() > 0, "the commits should still be in the write-ahead log")
                book.checkpoint()
                check(wal.length() == 0L, "the log holds ${wal.length()} bytes after a checkpoint")
                db.copyTo(copy)
                Casebook.open(copy.path).use { copied ->
                    val view = copied.get(sam, c.caseId)
                    check(view.version == 2uL && view.notes.single().text == "copied with the file", "copied view $view")
                }
                book.addNote(sam, c.caseId, "after the checkpoint")
                check(book.get(sam, c.caseId).version == 3uL, "a commit after the checkpoint")
            }
            memory().use { it.checkpoint() }
        },
        "SQLite tuning takes effect; out of range, or for :memory:, it is refused and opens nothing" to {
            fun walAfterNotes(name: String, tuning: SqliteTuning): Long {
                val db = File(scratch, name)
                listOf("", "-wal", "-shm").forEach { File(db.path + it).delete() }
                // Measured while the casebook is open: closing the last connection
                // checkpoints and removes the write-ahead log.
                val wal = Casebook.open(db.path, tuning = tuning).use { book ->
                    val c = book.openCase(sam, "housing", client)
                    repeat(40) { n -> book.addNote(sam, c.caseId, "note $n") }
                    check(book.get(sam, c.caseId).version == 41uL, "version after the notes")
                    File(db.path + "-wal").length()
                }
                Casebook.open(db.path).use { again ->
                    check(again.list(sam, CaseQuery()).items.map { it.version } == listOf(41uL), "reopened with the defaults")
                }
                return wal
            }
            val unbounded = walAfterNotes("tuned-a.db", SqliteTuning(checkpointPages = 0u, busyTimeoutMs = 500uL, readers = 0u, cacheSizeKib = 512u))
            val bounded = walAfterNotes("tuned-b.db", SqliteTuning(checkpointPages = 2u, readers = 1u, rangeWalkBudget = 0u))
            check(unbounded >= 40L * 4096, "WAL of $unbounded bytes without checkpoints")
            check(bounded < unbounded / 2, "WAL of $bounded bytes against $unbounded")
            val refused = File(scratch, "tuned-refused.db")
            listOf(SqliteTuning(readers = 65u) to "readers", SqliteTuning(cacheSizeKib = 0u) to "cache_size_kib",
                SqliteTuning(busyTimeoutMs = 86_400_001uL) to "busy_timeout_ms").forEach { (tuning, field) ->
                val e = expectError<CaseKitException.Validation>("tuning $tuning") { Casebook.open(refused.path, tuning = tuning) }
                check(e.field == field, "field ${e.field} for $tuning")
                check(!refused.exists(), "a refused open created the file")
            }
            val m = expectError<CaseKitException.Validation>("tuning in memory") { Casebook.open(":memory:", tuning = SqliteTuning(readers = 2u)) }
            check(m.field == "readers", "field ${m.field}")
        },
        "subscriptions deliver in order; a throwing listener cannot fail a commit" to {
            memory().use { book ->
                val seen = ArrayList<String>()
                val sub = book.subscribe(object : EventListener {
                    override fun onEvent(event: RecordedEvent) {
                        seen.add(event.eventType)
                    }
                })
                val bad = book.subscribe(object : EventListener {
                    override fun onEvent(event: RecordedEvent): Unit = throw IllegalStateException("listener bug")
                })
                val c = book.openCase(sam, "housing", client)
                book.completeIntake(sam, c.caseId, eligible = true)
                check(seen == listOf("case_opened", "intake_completed"), "seen $seen")
                val opened = book.history(sam, c.caseId).first().event
                check(opened is Event.CaseOpened && opened.client.name == "Grace Hopper", "typed event $opened")
                check(book.unsubscribe(sub) && book.unsubscribe(bad) && !book.unsubscribe(sub), "unsubscribe")
                book.addTag(sam, c.caseId, "quiet")
                check(seen.size == 2, "events after unsubscribe")
            }
        },
        "programs and paging" to {
            memory().use { book ->
                val program = Program(
                    id = "housing",
                    name = "Housing stability",
                    requiredInstruments = listOf("ssm"),
                    customFields = listOf(CustomFieldDef("tenure", CustomFieldKind.Choice(listOf("renter", "owner")), required = true)),
                )
                book.registerProgram(program)
                check(book.program("housing") == program, "program ${book.program("housing")}")
                val f = expectError<CaseKitException.Validation>("missing custom field") { book.openCase(sam, "housing", client) }
                check(f.field == "custom_fields.tenure", "field ${f.field}")
                repeat(3) { book.openCase(sam, "housing", client, customFieldsJson = """{"tenure": "renter"}""") }
                val first = book.list(sam, CaseQuery(limit = 2u))
                val second = book.list(sam, CaseQuery(limit = 2u, after = first.nextCursor))
                check(first.items.size == 2 && second.items.size == 1 && second.nextCursor == null, "pages")
                check(Json.parse(book.get(sam, first.items[0].caseId).customFieldsJson) == Json.parse("""{"tenure":"renter"}"""), "custom fields")
            }
        },
    )

    /** Runs every check, printing one line each; returns (passed, failed). */
    fun runAll(): Pair<Int, Int> {
        var passed = 0
        var failed = 0
        for ((name, body) in checks) {
            try {
                body()
                passed++
                println("PASS api: $name")
            } catch (e: Throwable) {
                failed++
                println("FAIL api: $name: ${e::class.simpleName}: ${e.message}")
            }
        }
        return passed to failed
    }
}
