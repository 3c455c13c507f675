// Drives the national axis' SDK (SDKVXP, unchanged) for lienthong's interop tests.
// Usage: java -cp "$SDK/lib/*:OUT" SdkDriver SCRIPT RESULTS
// SCRIPT: one call per line, tab-separated: client  call  json  [file]
//   clients are made on first use by "client NAME ENDPOINT SYSTEMID SECRET STORE".
// RESULTS: one JSON object per call with every field the SDK's result exposes.
import com.vpcp.services.AgencyServiceImp;
import com.vpcp.services.KnobstickServiceImp;
import com.vpcp.services.VnptProperties;
import com.vpcp.services.model.*;
import java.io.*;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.*;

public class SdkDriver {
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

    static String basic(String call, String status, String code, String desc) {
        return "{\"call\":" + q(call) + ",\"status\":" + q(status) + ",\"errorCode\":" + q(code)
            + ",\"errorDesc\":" + q(desc);
    }

    public static void main(String[] args) throws Exception {
        Map<String, KnobstickServiceImp> knob = new HashMap<>();
        Map<String, AgencyServiceImp> agency = new HashMap<>();
        List<String> lines = Files.readAllLines(Paths.get(args[0]), StandardCharsets.UTF_8);
        PrintStream sdkNoise = System.out;
        try (Writer out = new OutputStreamWriter(new FileOutputStream(args[1]), StandardCharsets.UTF_8)) {
            for (String line : lines) {
                if (line.isBlank()) continue;
                String[] f = line.split("\t", -1);
                if (f[0].equals("client")) {
                    VnptProperties p = new VnptProperties(f[2], f[3], f[4], f[5], 4, 3);
                    knob.put(f[1], new KnobstickServiceImp(p));
                    agency.put(f[1], new AgencyServiceImp(p));
                    continue;
                }
                KnobstickServiceImp k = knob.get(f[0]);
                AgencyServiceImp a = agency.get(f[0]);
                String call = f[1], json = f[2];
                String r;
                try {
                    r = run(k, a, call, json, f.length > 3 ? f[3] : null);
                } catch (Throwable t) {
                    r = "{\"call\":" + q(call) + ",\"exception\":" + q(t.toString()) + "}";
                }
                out.write(r + "\n");
                out.flush();
            }
        }
    }

    static String run(KnobstickServiceImp k, AgencyServiceImp a, String call, String json, String file) {
        switch (call) {
            case "sendEdoc": {
                SendEdocResult r = k.sendEdoc(json, file);
                if (r == null) return "{\"call\":\"sendEdoc\",\"null\":true}";
                return basic(call, r.getStatus(), r.getErrorCode(), r.getErrorDesc()) + ",\"docId\":" + q(r.getDocID()) + "}";
            }
            case "getReceivedEdocList": {
                GetReceivedEdocResult r = k.getReceivedEdocList(json);
                if (r == null) return "{\"call\":" + q(call) + ",\"null\":true}";
                StringBuilder b = new StringBuilder(basic(call, r.getStatus(), r.getErrorCode(), r.getErrorDesc()) + ",\"items\":[");
                List<Knobstick> ks = r.getKnobsticks();
                if (ks != null) for (int i = 0; i < ks.size(); i++) {
                    Knobstick x = ks.get(i);
                    if (i > 0) b.append(',');
                    b.append("{\"id\":" + q(x.getId()) + ",\"from\":" + q(x.getFrom()) + ",\"to\":" + q(x.getTo())
                        + ",\"messageType\":" + q(x.getMessageType()) + ",\"serviceType\":" + q(x.getServiceType())
                        + ",\"status\":" + q(x.getStatus()) + ",\"statusDesc\":" + q(x.getStatusDesc())
                        + ",\"createdTime\":" + q(x.getCreatedTime()) + ",\"updatedTime\":" + q(x.getUpdatedTime()) + "}");
                }
                return b.append("]}").toString();
            }
            case "getEdoc": case "downloadEdoc": {
                GetEdocResult r = call.equals("getEdoc") ? k.getEdoc(json) : k.downloadEdoc(json);
                if (r == null) return "{\"call\":" + q(call) + ",\"null\":true}";
                String content = null;
                try {
                    if (r.getFilePath() != null && !r.getFilePath().isEmpty())
                        content = new String(Files.readAllBytes(Paths.get(r.getFilePath())), StandardCharsets.UTF_8);
                } catch (IOException e) { content = "unreadable: " + e; }
                return basic(call, r.getStatus(), r.getErrorCode(), r.getErrorDesc()) + ",\"filePath\":" + q(r.getFilePath())
                    + ",\"dataLength\":" + (r.getData() == null ? "null" : r.getData().length()) + ",\"content\":" + q(content) + "}";
            }
            case "updateStatus": {
                GetChangeStatusResult r = k.updateStatus(json);
                if (r == null) return "{\"call\":" + q(call) + ",\"null\":true}";
                return basic(call, r.getStatus(), r.getErrorCode(), r.getErrorDesc()) + "}";
            }
            case "countReceiveEdoc": case "countReceiveStatus": {
                CountReceiveEdoc r = call.equals("countReceiveEdoc") ? k.countReceiveEdoc(json) : k.countReceiveStatus(json);
                if (r == null) return "{\"call\":" + q(call) + ",\"null\":true}";
                return basic(call, r.getStatus(), r.getErrorCode(), r.getErrorDesc()) + ",\"count\":" + r.getCount() + "}";
            }
            case "getSentEdocList": {
                GetSendEdocResult r = k.getSentEdocList(json);
                if (r == null) return "{\"call\":" + q(call) + ",\"null\":true}";
                StringBuilder b = new StringBuilder(basic(call, r.getStatus(), r.getErrorCode(), r.getErrorDesc()) + ",\"items\":[");
                List<StatusResult> ss = r.getStatusResult();
                if (ss != null) for (int i = 0; i < ss.size(); i++) {
                    StatusResult x = ss.get(i);
                    if (i > 0) b.append(',');
                    b.append("{\"senderDocId\":" + q(x.getSenderDocId()) + ",\"receiverDocId\":" + q(x.getReceiverDocId())
                        + ",\"fromCode\":" + q(x.getFromCode()) + ",\"toCode\":" + q(x.getToCode())
                        + ",\"sendStatus\":" + q(x.getSendStatus()) + ",\"sendStatusDesc\":" + q(x.getSendStatusDesc())
                        + ",\"receiveStatus\":" + q(x.getReceiveStatus()) + ",\"receiveStatusDesc\":" + q(x.getReceiveStatusDesc())
                        + ",\"messageType\":" + q(x.getMessageType()) + ",\"serviceType\":" + q(x.getServiceType())
                        + ",\"title\":" + q(x.getTitle()) + ",\"notation\":" + q(x.getNotation())
                        + ",\"sentTime\":" + q(x.getSentTime()) + ",\"receivedTime\":" + q(x.getReceivedTime()) + "}");
                }
                return b.append("]}").toString();
            }
            case "getAgenciesList": case "getAgenciesListQD20": {
                GetAgenciesResult r = call.equals("getAgenciesList") ? a.getAgenciesList(json) : a.getAgenciesListQD20(json);
                if (r == null) return "{\"call\":" + q(call) + ",\"null\":true}";
                StringBuilder b = new StringBuilder(basic(call, r.getStatus(), r.getErrorCode(), r.getErrorDesc()) + ",\"items\":[");
                List<Agency> as = r.getAgencies();
                if (as != null) for (int i = 0; i < as.size(); i++) {
                    Agency x = as.get(i);
                    if (i > 0) b.append(',');
                    b.append("{\"id\":" + q(x.getId()) + ",\"code\":" + q(x.getCode()) + ",\"name\":" + q(x.getName())
                        + ",\"code102\":" + q(x.getCode102()) + ",\"mail\":" + q(x.getMail())
                        + ",\"pid\":" + q(x.getPid()) + ",\"oldCode\":" + q(x.getOldCode()) + "}");
                }
                return b.append("]}").toString();
            }
            case "getSynchronizeUnit": {
                GetSynchronizeUnit r = a.getSynchronizeUnit(json);
                if (r == null) return "{\"call\":" + q(call) + ",\"null\":true}";
                StringBuilder b = new StringBuilder(basic(call, r.getStatus(), r.getErrorCode(), r.getErrorDesc()) + ",\"items\":[");
                List<UnitSynchronize> us = r.getUnitSynchronize();
                if (us != null) for (int i = 0; i < us.size(); i++) {
                    UnitSynchronize x = us.get(i);
                    if (i > 0) b.append(',');
                    b.append("{\"id\":" + q(x.getId()) + ",\"code\":" + q(x.getCode()) + ",\"centerCode\":" + q(x.getCenterCode())
                        + ",\"name\":" + q(x.getName()) + ",\"mail\":" + q(x.getMail()) + ",\"pid\":" + q(x.getPid())
                        + ",\"version\":" + q(x.getVersion()) + ",\"deleted\":" + q(x.isDeleted())
                        + ",\"modifyDate\":" + q(x.getModifyDate()) + ",\"isAgency\":" + q(x.getIsAgency()) + "}");
                }
                return b.append("]}").toString();
            }
            case "registerAgency": {
                RegisterAgencyResult r = a.registerAgency("{}", json);
                if (r == null) return "{\"call\":" + q(call) + ",\"null\":true}";
                return basic(call, r.getStatus(), r.getErrorCode(), r.getErrorDesc()) + "}";
            }
            case "deleteAgency": {
                DeleteAgencyResult r = a.deleteAgency(json);
                if (r == null) return "{\"call\":" + q(call) + ",\"null\":true}";
                return basic(call, r.getStatus(), r.getErrorCode(), r.getErrorDesc()) + "}";
            }
            default:
                return "{\"call\":" + q(call) + ",\"exception\":\"unknown call\"}";
        }
    }
}
