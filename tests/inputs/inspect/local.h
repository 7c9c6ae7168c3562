struct val { __u64 n; };
