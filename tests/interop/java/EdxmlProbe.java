// The national edXML library (EdXML102, unchanged) for lienthong's interop tests:
// how it reads what lienthong writes, and what its builders write for lienthong.
// Usage: java -Duser.timezone=Asia/Ho_Chi_Minh -cp "$SDK/lib/*:OUT" EdxmlProbe SCRIPT RESULTS
// SCRIPT: one operation per line, tab-separated:
//   read      document|status  PATH
//   document  OUTDIR  from  to(U+001F-separated)  documentId  codeNumber  codeNotation
//             promulgationDate(yyyy/MM/dd)  place  type  typeName  subject  content  priority
//             signer  attachments(U+001F-separated, each name U+001E contentType U+001E
//             description U+001E file)
//   status    OUTDIR  from  fromName  rfOrganId  rfCode  rfDocumentId  rfDate(yyyy/MM/dd)
//             statusCode  description  timestamp(yyyy/MM/dd HH:mm:ss)  department  staff
// RESULTS: one JSON object per operation: "read" gives every field the library
// exposes that lienthong's tests compare; "document"/"status" give the file the
// builder wrote ("path"), or "error".
import com.vnpt.xml.base.Content;
import com.vnpt.xml.base.attachment.Attachment;
import com.vnpt.xml.base.header.*;
import com.vnpt.xml.ed.Ed;
import com.vnpt.xml.ed.builder.EdXmlBuilder;
import com.vnpt.xml.ed.header.*;
import com.vnpt.xml.ed.parser.EdXmlParser;
import com.vnpt.xml.status.builder.StatusXmlBuilder;
import com.vnpt.xml.status.header.MessageStatus;
import com.vnpt.xml.status.parser.StatusXmlParser;
import java.io.*;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.security.MessageDigest;
import java.text.SimpleDateFormat;
import java.util.*;

public class EdxmlProbe {
    static final String LIST = "\u001f", PART = "\u001e";

    static String q(Object v) {
        if (v == null) return "null";
        if (v instanceof Number || v instanceof Boolean) return v.toString();
        StringBuilder b = new StringBuilder("\"");
        for (char c : v.toString().toCharArray()) {
            if (c == '"' || c == '\\') b.append('\\').append(c);
            else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
        return b.append('"').toString();
    }

    static String day(Date d) {
        return d == null ? null : new SimpleDateFormat("yyyy/MM/dd").format(d);
    }

    static String time(Date d) {
        return d == null ? null : new SimpleDateFormat("yyyy/MM/dd HH:mm:ss").format(d);
    }

    static Date parseDay(String s) throws Exception {
        return new SimpleDateFormat("yyyy/MM/dd").parse(s);
    }

    static String organ(Organization o) {
        return o == null ? "null" : "{\"organId\":" + q(o.getOrganId()) + ",\"organName\":" + q(o.getOrganName()) + "}";
    }

    static String responseFor(ResponseFor r) {
        if (r == null) return "null";
        return "{\"organId\":" + q(r.getOrganId()) + ",\"code\":" + q(r.getCode())
            + ",\"documentId\":" + q(r.getDocumentId()) + ",\"promulgationDate\":" + q(day(r.getPromulgationDate())) + "}";
    }

    static String sha256(File f) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        md.update(Files.readAllBytes(f.toPath()));
        StringBuilder b = new StringBuilder();
        for (byte x : md.digest()) b.append(String.format("%02x", x));
        return b.toString();
    }

    static String traces(Header h) {
        TraceHeaderList list = h.getTraceHeaderList();
        List<String> out = new ArrayList<>();
        if (list != null && list.getTraceHeaders() != null)
            for (TraceHeader t : list.getTraceHeaders())
                out.add("{\"organId\":" + q(t.getOrganId()) + ",\"timestamp\":" + q(time(t.getTimestamp())) + "}");
        return "[" + String.join(",", out) + "]";
    }

    static String read(String kind, String path) throws Exception {
        StringBuilder b = new StringBuilder("{\"op\":\"read\",\"path\":" + q(path) + ",\"kind\":" + q(kind));
        if (kind.equals("status")) {
            Header h;
            try (InputStream in = new FileInputStream(path)) {
                h = StatusXmlParser.parse(in).getHeader();
            }
            IMessageHeader m = h.getMessageHeader();
            if (!(m instanceof MessageStatus)) return b + ",\"error\":\"no MessageHeader read\"}";
            MessageStatus s = (MessageStatus) m;
            b.append(",\"from\":").append(organ(s.getFrom()));
            b.append(",\"responseFor\":").append(responseFor(s.getResponseFor()));
            b.append(",\"statusCode\":").append(q(s.getStatusCode()));
            b.append(",\"description\":").append(q(s.getDescription()));
            b.append(",\"timestamp\":").append(q(time(s.getTimestamp())));
            StaffInfo staff = s.getStaffInfo();
            b.append(",\"staff\":").append(staff == null ? "null" : q(staff.getStaff()));
            b.append(",\"traces\":").append(traces(h));
            b.append(",\"signature\":").append(h.getSignature() != null);
            return b.append("}").toString();
        }
        Ed ed;
        try (InputStream in = new FileInputStream(path)) {
            ed = EdXmlParser.getInstance().parse(in);
        }
        try {
            IMessageHeader mh = ed.getHeader().getMessageHeader();
            if (!(mh instanceof MessageHeader)) return b + ",\"error\":\"no MessageHeader read\"}";
            MessageHeader m = (MessageHeader) mh;
            b.append(",\"documentId\":").append(q(m.getDocumentId()));
            Code code = m.getCode();
            b.append(",\"codeNumber\":").append(q(code == null ? null : code.getCodeNumber()));
            b.append(",\"codeNotation\":").append(q(code == null ? null : code.getCodeNotation()));
            b.append(",\"from\":").append(organ(m.getFrom()));
            List<String> to = new ArrayList<>();
            if (m.getToes() != null) for (Organization o : m.getToes()) to.add(organ(o));
            b.append(",\"to\":[").append(String.join(",", to)).append("]");
            b.append(",\"subject\":").append(q(m.getSubject()));
            b.append(",\"content\":").append(q(m.getContent()));
            PromulgationInfo p = m.getPromulgationInfo();
            b.append(",\"promulgationDate\":").append(q(p == null ? null : day(p.getPromulgationDate())));
            List<String> rf = new ArrayList<>();
            if (m.getResponseFor() != null) for (ResponseFor r : m.getResponseFor()) rf.add(responseFor(r));
            b.append(",\"responseFor\":[").append(String.join(",", rf)).append("]");
            List<String> atts = new ArrayList<>();
            if (ed.getAttachments() != null)
                for (Attachment a : ed.getAttachments())
                    atts.add("{\"name\":" + q(a.getName()) + ",\"contentType\":" + q(a.getContentType())
                        + ",\"sha256\":" + q(a.getContent() == null ? null : sha256(a.getContent())) + "}");
            b.append(",\"attachments\":[").append(String.join(",", atts)).append("]");
            b.append(",\"traces\":").append(traces(ed.getHeader()));
            b.append(",\"signature\":").append(ed.getHeader().getSignature() != null);
            return b.append("}").toString();
        } finally {
            ed.clean();
        }
    }

    static Organization org(String id, String name) {
        return new Organization(id, name, name, null, null, null, null, null);
    }

    static String buildDocument(String[] f) throws Exception {
        MessageHeader h = new MessageHeader();
        h.setFrom(org(f[2], "Cơ quan gửi"));
        for (String to : f[3].split(LIST)) h.addTo(org(to, "Cơ quan nhận " + to));
        h.setDocumentId(f[4]);
        h.setCode(new Code(f[5], f[6]));
        Date promulgated = parseDay(f[7]);
        h.setPromulgationInfo(new PromulgationInfo(f[8], promulgated));
        h.setDocumentType(new DocumentType(Integer.parseInt(f[9]), f[10]));
        h.setSubject(f[11]);
        h.setContent(f[12]);
        h.setSignerInfo(new SignerInfo("KT. CHỦ TỊCH", "Phó Chủ tịch", f[14]));
        h.setOtherInfo(new OtherInfo(Integer.parseInt(f[13]), "Lưu hành nội bộ", "VT", 1, 1));
        h.setResponseFor(new ArrayList<>());
        h.setSteeringType(0);
        TraceHeaderList t = new TraceHeaderList();
        t.addTraceHeader(new TraceHeader(f[2], promulgated));
        Ed ed = new Ed(new Header(h, t), new ArrayList<>());
        if (f.length > 15 && !f[15].isEmpty()) {
            int n = 0;
            for (String spec : f[15].split(LIST)) {
                String[] a = spec.split(PART, -1);
                Attachment att = new Attachment();
                att.setContentId("attachment-" + (++n));
                att.setName(a[0]);
                att.setContentType(a[1]);
                att.setDescription(a[2]);
                att.setContent(new File(a[3]));
                ed.addAttachment(att);
            }
        }
        return built(EdXmlBuilder.build(ed, f[1]));
    }

    static String buildStatus(String[] f) throws Exception {
        ResponseFor rf = new ResponseFor(f[4], f[5], parseDay(f[7]), f[6]);
        MessageStatus s = new MessageStatus(rf, org(f[2], f[3]), f[8], f[9], new StaffInfo(f[11], f[12]));
        s.setTimestamp(new SimpleDateFormat("yyyy/MM/dd HH:mm:ss").parse(f[10]));
        TraceHeaderList t = new TraceHeaderList();
        t.addTraceHeader(new TraceHeader(f[2], s.getTimestamp()));
        return built(StatusXmlBuilder.build(new com.vnpt.xml.status.Status(new Header(s, t)), f[1]));
    }

    static String built(Content c) {
        // the builders answer null (and say nothing) when building failed
        if (c == null || c.getContent() == null) return "{\"op\":\"build\",\"error\":\"the builder returned no content\"}";
        return "{\"op\":\"build\",\"path\":" + q(c.getContent().getPath()) + ",\"sha256\":" + q(c.getHashCode()) + "}";
    }

    public static void main(String[] args) throws Exception {
        List<String> lines = Files.readAllLines(Paths.get(args[0]), StandardCharsets.UTF_8);
        PrintStream noise = System.out;
        System.setOut(new PrintStream(OutputStream.nullOutputStream()));  // the library prints debug lines
        try (Writer out = new OutputStreamWriter(new FileOutputStream(args[1]), StandardCharsets.UTF_8)) {
            for (String line : lines) {
                if (line.isBlank()) continue;
                String[] f = line.split("\t", -1);
                String r;
                try {
                    switch (f[0]) {
                        case "read": r = read(f[1], f[2]); break;
                        case "document": r = buildDocument(f); break;
                        case "status": r = buildStatus(f); break;
                        default: r = "{\"op\":" + q(f[0]) + ",\"error\":\"unknown operation\"}";
                    }
                } catch (Throwable t) {
                    Throwable cause = t.getCause() != null ? t.getCause() : t;
                    r = "{\"op\":" + q(f[0]) + ",\"error\":" + q(t + " / " + cause) + "}";
                }
                out.write(r + "\n");
                out.flush();
            }
        } finally {
            System.setOut(noise);
        }
    }
}
