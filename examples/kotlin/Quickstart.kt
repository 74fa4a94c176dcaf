// casekit quickstart for Kotlin: one realistic case from intake to closure on an embedded
// SQLite file, then its timeline.
//
// A housing-stability program. Iris (intake) takes Maria in; Sam (supervisor) assigns Ann
// (case manager), who assesses, plans, delivers services, measures outcomes, evaluates the
// goals and closes the case. An auditor then reads the case: the confidential note stays
// hidden, and the audit chain verifies.
//
// Build and run: bash bindings-swift/scripts/test.sh (it compiles and runs this file), or
// see bindings-swift/README.md. Usage: Quickstart [database file]
import casekit.*
import java.io.File

fun main(args: Array<String>) {
    val path = args.getOrNull(0) ?: File.createTempFile("casekit-quickstart", ".db").also { it.delete() }.path
    // A manual clock lets the demo spread a few weeks of work over one run.
    val clock = ManualClock("2026-01-05T09:00:00Z")
    Casebook.open(path, clock = clock).use { book ->
        println("casekit ${casekitVersion()} quickstart (SQLite: $path)\n")
        val timeline = mutableListOf<String>()
        book.subscribe(object : EventListener {
            override fun onEvent(event: RecordedEvent) {
                timeline.add("${event.recordedAt}  #${event.sequence}  ${event.eventType.padEnd(24)} by ${event.actor}")
            }
        })

        book.registerProgram(Program(id = "housing-stability", name = "Housing Stability", requiredInstruments = listOf("phq-9")))
        val programs = listOf("housing-stability")
        val iris = Actor("iris", listOf(Role.INTAKE_WORKER), programs)
        val sam = Actor("sam", listOf(Role.SUPERVISOR), programs)
        val ann = Actor("ann", listOf(Role.CASE_MANAGER), programs)
        val audrey = Actor("audrey", listOf(Role.AUDITOR), programs)

        // Intake.
        val case = book.openCase(
            iris,
            program = "housing-stability",
            client = ClientDetails(
                name = "Maria Santos",
                dateOfBirth = "1988-04-17",
                language = "es",
                phone = "+1-555-0142",
                householdSize = 3u,
                monthlyIncome = 1450.0,
            ),
            priority = Priority.HIGH,
            tags = listOf("eviction-notice"),
        ).caseId
        book.addNote(iris, case, "Eviction notice received; court date in 3 weeks.", kind = NoteKind.CONTACT)
        book.completeIntake(iris, case, eligible = true, immediateNeeds = listOf(ImmediateNeedInput("food", "Pantry referral this week")))
        clock.advance(2L * 86_400)
        book.assignWorker(sam, case, "ann")

        // Assessment.
        book.recordAssessment(
            ann, case,
            instrument = InstrumentRef("phq-9", "1.0"),
            responsesJson = """{"q1": 2, "q2": 1, "q9": 0}""",
            scores = mapOf("total" to 11.0),
            bands = mapOf("total" to "moderate"),
            riskFlags = listOf(),
            identifiedNeeds = listOf(IdentifiedNeedInput("housing", "Rent arrears of two months", "high")),
        )
        book.addNote(ann, case, "Discussed family history; details kept confidential.", confidential = true)
        book.completeAssessment(ann, case, summary = "Housing is the urgent need; moderate depression symptoms.")

        // Planning.
        val goal = book.addGoal(
            ann, case,
            description = "Keep the family housed",
            domain = "housing",
            measure = Measure("months of rent arrears", unit = "months", baseline = 2.0, target = 0.0, direction = Direction.DECREASE),
            due = "2026-04-30",
        ).createdId!!
        val service = book.addService(ann, case, name = "Emergency rental assistance", provider = "City Housing Fund", goalId = goal)
            .createdId!!
        book.addTask(ann, case, title = "Call the landlord about a payment plan", due = "2026-01-12T17:00:00Z", assignee = "ann")
        book.activatePlan(ann, case)

        // Implementation and monitoring.
        clock.advance(14L * 86_400)
        book.recordServiceDelivery(ann, case, serviceId = service, deliveredOn = "2026-01-20", units = 2900.0, note = "Two months paid")
        book.recordOutcome(ann, case, goalId = goal, value = 0.0, measuredOn = "2026-01-21")
        val task = book.get(ann, case).tasks.first().id
        book.completeTask(ann, case, task)

        // Evaluation and closure.
        clock.advance(30L * 86_400)
        book.evaluateGoals(ann, case, listOf(GoalEvaluation(goal, GoalStatus.ACHIEVED)))
        val closed = book.close(ann, case, ClosureReason.GOALS_ACHIEVED, "Arrears cleared; lease continues.")
        println("Case $case is ${closed.phase.name.lowercase()} at version ${closed.version}.\n")

        println("Timeline:")
        timeline.forEach { println("  $it") }

        // What an auditor sees.
        val seen = book.get(audrey, case)
        val history = book.history(audrey, case)
        val report = book.verify(audrey, case)
        println("\nThe auditor sees ${seen.notes.size} of 2 notes; ${history.count { it.redacted }} history entry is redacted.")
        println("Audit chain: ${if (report.valid) "valid" else "BROKEN"} over ${report.eventsChecked} events (head ${report.headHash?.take(12)}…).")
        val open = book.list(sam, CaseQuery(phase = Phase.ACTIVE))
        println("Active cases left: ${open.items.size}.")
        try {
            book.addNote(ann, case, "One more thing")
        } catch (e: CaseKitException) {
            println("A closed case refuses work: ${e.code()} (${e.message})")
        }

        // Migrating records from an existing system: each old case's history becomes
        // commands of one executeBatchSummary call (one transaction, all or nothing, answered
        // with a summary: an import needs no answer per command), the cases
        // under ids chosen up front (a real migration keeps the map from the old
        // system's references to them). Large batches are written while later cases are
        // still being checked. It runs as an account that may act in every phase.
        val items = (1..30).flatMap { n ->
            val id = java.util.UUID.randomUUID().toString()
            val client = ClientDetails(name = "Client $n")
            listOf(
                BatchItem(command = Command.OpenCase("housing-stability", client, null, id, null, listOf("migrated"), null, null)),
                BatchItem(id, Command.CompleteIntake(true, listOf())),
                BatchItem(id, Command.AddNote("Imported from record L-%04d".format(n), NoteKind.GENERAL, false)),
            )
        }
        val imported = book.executeBatchSummary(sam, items)
        val migrated = book.list(sam, CaseQuery(tag = "migrated", limit = 100u))
        val inAssessment = migrated.items.count { it.phase == Phase.ASSESSMENT }
        println(
            "Imported ${imported.cases} legacy cases (${imported.commands} commands in one transaction, " +
                "log positions ${imported.firstPosition}-${imported.lastPosition}); $inAssessment now in assessment.",
        )

        // A backup while the casebook stays open: once the write-ahead log is emptied
        // into it, the file alone holds every commit and can be copied like any file.
        book.checkpoint()
        val backup = File("$path.backup")
        File(path).copyTo(backup, overwrite = true)
        Casebook.open(backup.path).use { println("Backup copied: ${it.list(sam, CaseQuery(limit = 100u)).items.size} cases.") }
    }
}
