"""The console's labels in Vietnamese (the default) and English.

Templates write English labels through ``t(...)``; :data:`VI` gives the
Vietnamese. A label without a translation shows in English (a unit test
checks every label in the templates has one). Domain words follow the
decrees' own terms (QĐ 28/2018: đã đến, từ chối tiếp nhận, …)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

LANGUAGES = ("vi", "en")

VI: Mapping[str, str] = {
    # frame and sign-in
    "Console": "Bảng điều khiển",
    "Dashboard": "Tổng quan",
    "Messages": "Thông điệp",
    "Dead letters": "Gửi thất bại",
    "Peers and routes": "Nút kết nối và định tuyến",
    "Supervision report": "Báo cáo giám sát",
    "Sign in": "Đăng nhập",
    "Sign out": "Đăng xuất",
    "Admin token": "Mã truy cập quản trị",
    "Sign in with your admin token (operator or auditor), the one the admin API takes.": (
        "Đăng nhập bằng mã truy cập quản trị (vận hành hoặc kiểm toán), "
        "cùng mã dùng cho API quản trị."
    ),
    "Enter your admin token.": "Hãy nhập mã truy cập quản trị.",
    "This token is not an admin token of this node.": (
        "Mã này không phải mã truy cập quản trị của nút này."
    ),
    "Too many failed sign-ins from your address: wait {n} s and try again.": (
        "Đăng nhập sai quá nhiều lần từ địa chỉ của bạn: hãy chờ {n} giây rồi thử lại."
    ),
    "You are signed out.": "Bạn đã đăng xuất.",
    "Your session has ended: sign in again.": "Phiên làm việc đã hết hạn: hãy đăng nhập lại.",
    "operator": "vận hành",
    "auditor": "kiểm toán",
    "Something is wrong": "Có lỗi",
    "Back to the dashboard": "Về trang tổng quan",
    "no such page": "không có trang này",
    "Not Found": "Không tìm thấy",
    "Method Not Allowed": "Phương thức không được phép",
    "your console session has ended: sign in again": (
        "phiên làm việc đã hết hạn: hãy đăng nhập lại"
    ),
    "the form's security token is missing or wrong: reload the page": (
        "mã bảo vệ của biểu mẫu thiếu hoặc sai: hãy tải lại trang"
    ),
    "the sign-in form is stale or was not sent by this console: reload it": (
        "biểu mẫu đăng nhập đã cũ hoặc không do bảng điều khiển này gửi: hãy tải lại"
    ),
    "invalid request parameters": "tham số không hợp lệ",
    "the period ends before it starts": "khoảng thời gian kết thúc trước khi bắt đầu",
    # dashboard
    "Store and readiness": "Kho dữ liệu và trạng thái sẵn sàng",
    "ready": "sẵn sàng",
    "not ready": "chưa sẵn sàng",
    "ok": "tốt",
    "store": "kho dữ liệu",
    "keys": "khóa ký",
    "spool": "thư mục tạm",
    "Messages by state": "Thông điệp theo trạng thái",
    "Queue depth per destination": "Hàng đợi theo nơi nhận",
    "Oldest waiting": "Chờ lâu nhất",
    "Destination": "Nơi nhận",
    "Waiting": "Đang chờ",
    "In flight": "Đang gửi",
    "Held": "Tạm giữ",
    "held": "tạm giữ",
    "Oldest": "Cũ nhất",
    "Nothing waiting.": "Không có gì đang chờ.",
    "Held destinations": "Nơi nhận bị tạm giữ",
    "held behind a probe of the unreachable destination": (
        "tạm giữ sau lần thử của nơi nhận không liên lạc được"
    ),
    "No destination is held back.": "Không có nơi nhận nào bị tạm giữ.",
    "All dead letters": "Tất cả thông điệp gửi thất bại",
    "Certificates and expiry": "Chứng thư số và hạn dùng",
    "Role": "Vai trò",
    "Name": "Tên",
    "Subject": "Chủ thể",
    "Expires": "Hết hạn",
    "Days left": "Còn (ngày)",
    "Recent refusals (status 02)": "Từ chối tiếp nhận gần đây (trạng thái 02)",
    # messages
    "Organ": "Cơ quan",
    "State": "Trạng thái",
    "any": "tất cả",
    "From": "Từ ngày",
    "To": "Đến ngày",
    "Search": "Tìm",
    "Days are Vietnam days (UTC+7).": "Ngày theo giờ Việt Nam (UTC+7).",
    "Next page": "Trang sau",
    "Received": "Nhận lúc",
    "Kind": "Loại",
    "Sender": "Nơi gửi",
    "Recipients": "Nơi nhận",
    "Recipient": "Nơi nhận",
    "Status code": "Mã trạng thái",
    "None.": "Không có.",
    "document": "văn bản",
    "status": "trạng thái",
    "stored": "đã lưu",
    "pending": "chờ gửi",
    "in-flight": "đang gửi",
    "delivered": "đã chuyển",
    "dead": "gửi thất bại",
    "duplicate": "trùng lặp",
    "transient": "lỗi tạm thời",
    "permanent": "lỗi vĩnh viễn",
    "peer": "nút",
    "webhook": "webhook",
    "drop-folder": "thư mục",
    "dms": "hệ thống QLVB",
    "in": "vào",
    "out": "ra",
    # a message
    "Message": "Thông điệp",
    "Priority": "Độ khẩn",
    "Resend": "Gửi lại",
    "Put back in the queue": "Đã đưa lại vào hàng đợi",
    "deliveries": "lượt chuyển",
    "Deliveries and attempts": "Lượt chuyển và các lần thử",
    "Next attempt": "Lần thử tới",
    "Attempts": "Số lần thử",
    "No outbound delivery: the message waits in local inboxes.": (
        "Không cần chuyển đi: thông điệp chờ trong hộp thư nội bộ."
    ),
    "Hops": "Các nút đã qua",
    "Status history": "Lịch sử trạng thái",
    "At": "Lúc",
    "Code": "Mã",
    "Description": "Mô tả",
    "Verification report": "Kết quả kiểm tra chữ ký số",
    "accepted": "hợp lệ",
    "not accepted": "không hợp lệ",
    "Envelope signatures": "Chữ ký trên gói tin",
    "PDF signatures": "Chữ ký trong tệp PDF",
    "No attachment.": "Không có tệp đính kèm.",
    "Full report (JSON)": "Báo cáo đầy đủ (JSON)",
    "No verification report (a message the node generated or signed itself).": (
        "Không có kết quả kiểm tra (thông điệp do nút tự tạo hoặc tự ký)."
    ),
    "Signed by this node for": "Nút đã ký số thay cho",
    "there was no signature to verify on arrival.": "khi đến, văn bản chưa có chữ ký để kiểm tra.",
    "Verdict": "Kết luận",
    "Signer": "Người ký",
    "Signed at": "Ký lúc",
    "Algorithm": "Thuật toán",
    "Problems": "Vấn đề",
    "Audit entries": "Nhật ký kiểm toán",
    "Actor": "Người thực hiện",
    "Action": "Thao tác",
    "Details": "Chi tiết",
    # dead letters, peers
    "You are signed in as an auditor: the console is read-only.": (
        "Bạn đăng nhập với vai trò kiểm toán: chỉ được xem."
    ),
    "Last error": "Lỗi gần nhất",
    "Routing table": "Bảng định tuyến",
    "Pattern": "Mẫu mã định danh",
    "Peer nodes": "Các nút kết nối",
    "Certificate": "Chứng thư số",
    # report
    "Show": "Xem",
    "Judged at": "Đánh giá lúc",
    "01 within its limit, 02/03 by the end of the next working day, 06 by the DueDate; "
    "working days from the node's calendar (holidays and make-up days).": (
        "01 trong thời hạn, 02/03 trước khi hết ngày làm việc tiếp theo, 06 trước hạn xử lý; "
        "ngày làm việc theo lịch của nút (ngày lễ và ngày làm bù)."
    ),
    "Documents": "Văn bản",
    "On-time rate": "Tỷ lệ đúng hạn",
    "Complete": "Đầy đủ",
    "Overdue": "Quá hạn",
    "On-time rate per organ": "Tỷ lệ đúng hạn theo cơ quan",
    "Overdue over time": "Số trạng thái quá hạn theo ngày",
    "nothing due yet": "chưa đến hạn",
    "on time": "đúng hạn",
    "Received: feedback owed by each recipient": (
        "Văn bản đến: phản hồi trạng thái mỗi nơi nhận phải gửi"
    ),
    "Sent: feedback received by each sender": "Văn bản đi: phản hồi mỗi nơi gửi đã nhận",
    "Overdue list": "Danh sách quá hạn",
    "Owed": "Phải gửi",
    "Due": "Hạn",
    "Late by": "Trễ",
}


def translator(lang: str) -> Callable[[str], str]:
    if lang == "vi":
        return lambda label: VI.get(label, label)
    return lambda label: label
