// A small JSON reader and writer for the scenario runner (the Kotlin standard library has
// none, and the runner should need nothing but the generated bindings and JNA).
// Numbers keep their source text, so a value handed back to casekit as JSON text
// (custom fields, assessment responses) is exactly what the scenario file says.
package casekit.conformance

import java.math.BigDecimal

sealed class Json {
    data class Obj(val fields: LinkedHashMap<String, Json>) : Json()
    data class Arr(val items: List<Json>) : Json()
    data class Str(val value: String) : Json()
    data class Num(val text: String) : Json() {
        val decimal: BigDecimal get() = BigDecimal(text)
    }
    data class Bool(val value: Boolean) : Json()
    object Null : Json()

    override fun toString(): String = write(this)

    companion object {
        fun parse(text: String): Json {
            val p = Parser(text)
            val v = p.value()
            p.ws()
            if (p.i != text.length) p.fail("trailing characters")
            return v
        }

        fun write(v: Json): String = StringBuilder().also { writeTo(it, v) }.toString()

        private fun writeTo(sb: StringBuilder, v: Json) {
            when (v) {
                is Obj -> {
                    sb.append('{')
                    var first = true
                    for ((k, x) in v.fields) {
                        if (!first) sb.append(',')
                        first = false
                        quote(sb, k)
                        sb.append(':')
                        writeTo(sb, x)
                    }
                    sb.append('}')
                }
                is Arr -> {
                    sb.append('[')
                    v.items.forEachIndexed { i, x ->
                        if (i > 0) sb.append(',')
                        writeTo(sb, x)
                    }
                    sb.append(']')
                }
                is Str -> quote(sb, v.value)
                is Num -> sb.append(v.text)
                is Bool -> sb.append(v.value)
                Null -> sb.append("null")
            }
        }

        private fun quote(sb: StringBuilder, s: String) {
            sb.append('"')
            for (c in s) {
                when {
                    c == '"' -> sb.append("\\\"")
                    c == '\\' -> sb.append("\\\\")
                    c == '\n' -> sb.append("\\n")
                    c == '\r' -> sb.append("\\r")
                    c == '\t' -> sb.append("\\t")
                    c < ' ' -> sb.append(String.format("\\u%04x", c.code))
                    else -> sb.append(c)
                }
            }
            sb.append('"')
        }
    }

    private class Parser(val s: String) {
        var i = 0

        fun fail(msg: String): Nothing = throw IllegalArgumentException("JSON: $msg at offset $i")

        fun ws() {
            while (i < s.length && (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t')) i++
        }

        fun value(): Json {
            ws()
            if (i >= s.length) fail("unexpected end")
            return when (val c = s[i]) {
                '{' -> obj()
                '[' -> arr()
                '"' -> Str(str())
                't' -> lit("true", Bool(true))
                'f' -> lit("false", Bool(false))
                'n' -> lit("null", Null)
                else -> if (c == '-' || c.isDigit()) num() else fail("unexpected '$c'")
            }
        }

        fun lit(word: String, v: Json): Json {
            if (!s.startsWith(word, i)) fail("expected $word")
            i += word.length
            return v
        }

        fun num(): Json {
            val start = i
            if (s[i] == '-') i++
            while (i < s.length && (s[i].isDigit() || s[i] in ".eE+-")) i++
            val text = s.substring(start, i)
            try {
                BigDecimal(text)
            } catch (e: NumberFormatException) {
                fail("bad number $text")
            }
            return Num(text)
        }

        fun str(): String {
            i++ // opening quote
            val sb = StringBuilder()
            while (true) {
                if (i >= s.length) fail("unterminated string")
                val c = s[i++]
                when (c) {
                    '"' -> return sb.toString()
                    '\\' -> {
                        if (i >= s.length) fail("unterminated escape")
                        when (val e = s[i++]) {
                            '"' -> sb.append('"')
                            '\\' -> sb.append('\\')
                            '/' -> sb.append('/')
                            'b' -> sb.append('\b')
                            'f' -> sb.append('\u000c')
                            'n' -> sb.append('\n')
                            'r' -> sb.append('\r')
                            't' -> sb.append('\t')
                            'u' -> {
                                if (i + 4 > s.length) fail("bad \\u escape")
                                sb.append(s.substring(i, i + 4).toInt(16).toChar())
                                i += 4
                            }
                            else -> fail("bad escape \\$e")
                        }
                    }
                    else -> sb.append(c)
                }
            }
        }

        fun obj(): Json {
            i++
            val m = LinkedHashMap<String, Json>()
            ws()
            if (i < s.length && s[i] == '}') {
                i++
                return Obj(m)
            }
            while (true) {
                ws()
                if (i >= s.length || s[i] != '"') fail("expected a key")
                val k = str()
                ws()
                if (i >= s.length || s[i] != ':') fail("expected ':'")
                i++
                m[k] = value()
                ws()
                if (i >= s.length) fail("unterminated object")
                when (s[i++]) {
                    ',' -> continue
                    '}' -> return Obj(m)
                    else -> fail("expected ',' or '}'")
                }
            }
        }

        fun arr(): Json {
            i++
            val items = ArrayList<Json>()
            ws()
            if (i < s.length && s[i] == ']') {
                i++
                return Arr(items)
            }
            while (true) {
                items.add(value())
                ws()
                if (i >= s.length) fail("unterminated array")
                when (s[i++]) {
                    ',' -> continue
                    ']' -> return Arr(items)
                    else -> fail("expected ',' or ']'")
                }
            }
        }
    }
}

/** Subset match (tests/README.md, "Matching"): `null` also matches a missing key. */
fun subsetMatch(expected: Json, actual: Json, path: String = "$"): String? = compare(expected, actual, true, path)

/** Exact comparison: object key sets equal, arrays elementwise, numbers numerically. */
fun jsonDiff(expected: Json, actual: Json, path: String = "$"): String? = compare(expected, actual, false, path)

private fun compare(e: Json, a: Json, subset: Boolean, path: String): String? {
    if (e is Json.Obj && a is Json.Obj) {
        for ((k, ev) in e.fields) {
            val p = "$path.$k"
            val av = a.fields[k]
            if (av == null) {
                if (subset && ev == Json.Null) continue
                return "$p: expected $ev, but the key is missing"
            }
            compare(ev, av, subset, p)?.let { return it }
        }
        if (!subset) {
            a.fields.keys.firstOrNull { it !in e.fields }?.let { return "$path.$it: unexpected key (value ${a.fields[it]})" }
        }
        return null
    }
    if (e is Json.Arr && a is Json.Arr) {
        if (e.items.size != a.items.size) return "$path: expected ${e.items.size} items, got ${a.items.size}"
        for (i in e.items.indices) compare(e.items[i], a.items[i], subset, "$path[$i]")?.let { return it }
        return null
    }
    if (e is Json.Num && a is Json.Num) {
        return if (e.decimal.compareTo(a.decimal) == 0) null else "$path: expected $e, got $a"
    }
    return if (e == a) null else "$path: expected $e, got $a"
}
